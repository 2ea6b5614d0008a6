from fortrolig.privacy.datamap import NOT_PERSONAL, Category, RetentionClock, classify, personal

# The search entry copies the candidate's data, and the text of their documents, in
# plaintext: search needs it readable by the database. It follows the candidate's clock
# and is removed with the candidate (CASCADE), on restriction, and by search_index_remove.
_clock = RetentionClock.LAST_ACTIVITY
classify(
    "search.CandidateSearchEntry",
    {
        "id": NOT_PERSONAL,
        "agency": NOT_PERSONAL,
        "candidate": NOT_PERSONAL,
        "full_name": personal(Category.IDENTITY, _clock),
        "roles_text": personal(Category.PROFESSIONAL, _clock),
        "summary_text": personal(Category.PROFESSIONAL, _clock),
        # Not encrypted here (the document's own copy is): Sensitivity.SENSITIVE means
        # "encrypted under the subject's data key", which this copy is not.
        "documents_text": personal(Category.DOCUMENT, _clock),
        "skills": personal(Category.PROFESSIONAL, _clock),
        "skill_keys": personal(Category.PROFESSIONAL, _clock),
        "city": personal(Category.CONTACT, _clock),
        "availability": personal(Category.PROFESSIONAL, _clock),
        "source": personal(Category.IDENTITY, _clock),
        "restricted": personal(Category.CONSENT, _clock),
        "last_activity_at": personal(Category.TECHNICAL, _clock),
        # The stemmed words of the above, and of the documents.
        "search_vector": personal(Category.DOCUMENT, _clock),
        "profile_vector": personal(Category.PROFESSIONAL, _clock),
    },
)
