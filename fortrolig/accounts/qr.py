"""QR codes as inline SVG, made on the server: the enrolment page makes no outside
request, and the secret never leaves the page."""

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    """An SVG document (as text) of a QR code for `data`."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=15,
        border=4,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(data)
    code.make(fit=True)
    svg: str = code.make_image().to_string(encoding="unicode")
    return svg
