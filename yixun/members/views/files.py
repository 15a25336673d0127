from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_file(field: FieldFile) -> FileResponse:
    """Stream a stored file to someone already allowed to see it; never cached by proxies."""
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
