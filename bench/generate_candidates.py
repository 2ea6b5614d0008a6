"""Generate a CSV of made-up candidates in the import format (docs/import.md).

    python -m bench.generate_candidates --count 100000 --out var/candidates.csv [--seed 1]

Names and addresses come from Faker's Norwegian (no_NO) and English (en_GB) locales; phone
numbers are valid Norwegian mobile numbers, unique within the file; about a third of the
rows carry a valid fødselsnummer (or D-number) that agrees with the birth date; skills,
roles and multi-sentence CV-like summaries are in Norwegian or English. Emails are unique
and at example.com. The same seed gives the same file. No row duplicates another, so an
import of the file creates one candidate per row.

Used by the import benchmark and by the search benchmark.
"""

import argparse
import csv
import random
import sys
import unicodedata
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

# The import's columns (fortrolig.candidates.imports.IMPORT_COLUMNS; a test keeps the two
# the same). Kept here so that the generator runs without Django.
COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "national_id",
    "address",
    "postal_code",
    "city",
    "skills",
    "languages",
    "desired_roles",
    "availability",
    "available_from",
    "summary",
    "source_partner",
)

CITIES = [
    ("Oslo", "0150"),
    ("Oslo", "0560"),
    ("Bergen", "5003"),
    ("Trondheim", "7010"),
    ("Stavanger", "4006"),
    ("Kristiansand", "4610"),
    ("Drammen", "3015"),
    ("Fredrikstad", "1606"),
    ("Tromsø", "9008"),
    ("Sandnes", "4307"),
    ("Ålesund", "6002"),
    ("Bodø", "8006"),
    ("Hamar", "2317"),
    ("Lillehammer", "2609"),
    ("Molde", "6413"),
    ("Haugesund", "5527"),
    ("Tønsberg", "3111"),
    ("Moss", "1531"),
    ("Arendal", "4836"),
    ("Gjøvik", "2815"),
    ("Harstad", "9405"),
    ("Sarpsborg", "1708"),
    ("Skien", "3724"),
    ("Porsgrunn", "3915"),
]

# (Norwegian role, English role, skills that go with it)
PROFESSIONS = [
    ("Utvikler", "Software developer", ["Python", "Java", "SQL", "React", "Azure", "Git"]),
    ("Sykepleier", "Nurse", ["Sykepleie", "Medisinering", "Journalføring", "Akuttmedisin"]),
    ("Regnskapsfører", "Accountant", ["Regnskap", "Lønn", "Excel", "Visma", "MVA"]),
    ("Lagermedarbeider", "Warehouse worker", ["Truckførerbevis", "Lager", "Plukk", "HMS"]),
    ("Prosjektleder", "Project manager", ["Prosjektledelse", "Prince2", "Scrum", "Budsjett"]),
    ("Kundebehandler", "Customer service agent", ["Kundeservice", "Salg", "CRM", "Telefon"]),
    ("Elektriker", "Electrician", ["Fagbrev elektro", "Automasjon", "HMS", "Feilsøking"]),
    ("Sveiser", "Welder", ["Sveising", "TIG", "MIG/MAG", "Tegningsforståelse"]),
    ("Selger", "Sales representative", ["Salg", "Forhandling", "CRM", "Markedsføring"]),
    ("Sjåfør", "Driver", ["Førerkort C", "Førerkort CE", "Varelevering", "ADR"]),
    ("Helsefagarbeider", "Care worker", ["Omsorg", "Demensomsorg", "Medisinering"]),
    ("Dataanalytiker", "Data analyst", ["SQL", "Python", "Power BI", "Statistikk", "Excel"]),
    ("Ingeniør", "Engineer", ["AutoCAD", "Revit", "Prosjektering", "Matlab"]),
    ("Kokk", "Chef", ["Matlaging", "Hygiene", "Menyplanlegging", "Innkjøp"]),
]
INDUSTRIES_NB = ["helse", "bygg og anlegg", "IT", "handel", "logistikk", "finans", "industri"]
INDUSTRIES_EN = ["healthcare", "construction", "IT", "retail", "logistics", "finance"]
LANGUAGES = ["Polsk", "Svensk", "Tysk", "Spansk", "Arabisk", "Litauisk", "Fransk", "Somali"]
PARTNERS = ["Sosiale Medier AS", "Kampanjebyrået", "Annonsepartner Nord"]
AVAILABILITY = ["immediately", "notice_period", "from_date", "unavailable", "unknown"]

SENTENCES_NB = [
    "{role} med {years} års erfaring fra {industry}.",
    "Har jobbet med {skill_a} og {skill_b} hos {company}.",
    "Trives i team og tar gjerne ansvar for leveranser.",
    "Søker nye utfordringer innen {industry} i {city}-området.",
    "Er strukturert, løsningsorientert og liker å lære nye ting.",
    "Har god erfaring med {skill_a} fra flere prosjekter.",
    "Ønsker en stilling med mulighet for faglig utvikling.",
    "Har lederansvar for et team på {team} personer.",
]
SENTENCES_EN = [
    "{role} with {years} years of experience in {industry}.",
    "Worked with {skill_a} and {skill_b} at {company}.",
    "Enjoys teamwork and takes ownership of deliveries.",
    "Looking for new challenges in {industry} around {city}.",
    "Structured, solution-oriented and eager to learn.",
    "Has led a team of {team} people.",
]


def _check_digits(base: str) -> str | None:
    weights1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    weights2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    k1 = (11 - sum(w * int(n) for w, n in zip(weights1, base, strict=True))) % 11
    if k1 == 10:
        return None
    k2 = (11 - sum(w * int(n) for w, n in zip(weights2, base + str(k1), strict=True))) % 11
    if k2 == 10:
        return None
    return f"{k1}{k2}"


def national_id_for(birth: date, rng: random.Random, *, d_number: bool = False) -> str:
    """A valid fødselsnummer (or D-number) for `birth`."""
    low, high = (0, 499) if birth.year < 2000 else (500, 999)
    day = birth.day + (40 if d_number else 0)
    while True:
        base = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randint(low, high):03d}"
        digits = _check_digits(base)
        if digits is not None:
            return base + digits


# Norwegian mobile number blocks that phonenumbers accepts as valid.
_MOBILE_BLOCKS = [(40, 41), (46, 48), (90, 99)]
_MOBILE_COUNT = sum((high - low + 1) * 1_000_000 for low, high in _MOBILE_BLOCKS)
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


def _mobile_number(index: int) -> int:
    for low, high in _MOBILE_BLOCKS:
        size = (high - low + 1) * 1_000_000
        if index < size:
            return low * 1_000_000 + index
        index -= size
    raise ValueError(index)


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in text.lower() if ch.isascii() and (ch.isalnum() or ch == "."))


def _phone(number: int) -> str:
    # Written as people write them: with and without spaces and the country code.
    text = str(number)
    style = number % 3
    if style == 0:
        return text
    if style == 1:
        return f"{text[:3]} {text[3:5]} {text[5:]}"
    return f"+47 {text}"


def _summary(rng: random.Random, norwegian: bool, values: dict[str, object]) -> str:
    pool = SENTENCES_NB if norwegian else SENTENCES_EN
    chosen = [pool[0], *rng.sample(pool[1:], rng.randint(2, min(5, len(pool) - 1)))]
    return " ".join(sentence.format(**values) for sentence in chosen)


def generate(count: int, out: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    Faker.seed(seed)
    faker_nb = Faker("no_NO")
    faker_en = Faker("en_GB")
    phones = [_mobile_number(i) for i in rng.sample(range(_MOBILE_COUNT), count)]
    today = date(2026, 1, 1)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for index in range(count):
            norwegian = rng.random() < 0.8
            faker = faker_nb if norwegian else faker_en
            first, last = faker.first_name(), faker.last_name()
            city, postal_code = rng.choice(CITIES)
            role_nb, role_en, skill_pool = rng.choice(PROFESSIONS)
            skills = rng.sample(skill_pool, rng.randint(1, min(4, len(skill_pool))))
            birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 45))
            has_birth = rng.random() < 0.9
            national_id = ""
            if has_birth and rng.random() < 0.35:
                national_id = national_id_for(birth, rng, d_number=rng.random() < 0.05)
            languages = ["Norsk", "Engelsk"] if norwegian else ["Engelsk"]
            if rng.random() < 0.3:
                languages.append(rng.choice(LANGUAGES))
            availability = rng.choice(AVAILABILITY)
            available_from = ""
            if availability == "from_date":
                available_from = (today + timedelta(days=rng.randint(7, 180))).isoformat()
            values = {
                "role": role_nb if norwegian else role_en,
                "years": rng.randint(1, 30),
                "industry": rng.choice(INDUSTRIES_NB if norwegian else INDUSTRIES_EN),
                "skill_a": skills[0],
                "skill_b": skills[-1],
                "company": faker.company(),
                "city": city,
                "team": rng.randint(3, 25),
            }
            local = _ascii(f"{first}.{last}")
            row = {
                "first_name": first,
                "last_name": last,
                "email": f"{local}.{index}@example.com" if rng.random() < 0.97 else "",
                "phone": _phone(phones[index]) if rng.random() < 0.95 else "",
                "birth_date": birth.isoformat() if has_birth else "",
                "national_id": national_id,
                "address": faker_nb.street_address() if rng.random() < 0.7 else "",
                "postal_code": postal_code,
                "city": city,
                "skills": ";".join(skills),
                "languages": ";".join(languages),
                "desired_roles": role_nb if norwegian else role_en,
                "availability": availability,
                "available_from": available_from,
                "summary": _summary(rng, norwegian, values),
                "source_partner": rng.choice(PARTNERS) if rng.random() < 0.05 else "",
            }
            if not (row["email"] or row["phone"] or row["birth_date"]):
                row["email"] = f"{local}.{index}@example.com"
            writer.writerow(row)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, required=True, help="How many candidates.")
    parser.add_argument("--out", type=Path, required=True, help="The CSV file to write.")
    parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    generate(args.count, args.out, args.seed)
    print(f"wrote {args.count} candidates to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
