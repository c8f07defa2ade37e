from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.views.decorators.http import require_http_methods

FORM = """<!doctype html>
<title>mediabox</title>
<form method="post" enctype="multipart/form-data">
  <input type="hidden" name="csrfmiddlewaretoken" value="{token}">
  <input type="file" name="file"> <button>Upload</button>
</form>
{result}
"""


@require_http_methods(["GET", "POST"])
def upload(request):
    """Stores an uploaded file under MEDIA_ROOT; nginx serves it back at /media/."""
    result = ""
    if request.method == "POST" and "file" in request.FILES:
        name = default_storage.save(request.FILES["file"].name, request.FILES["file"])
        url = escape(default_storage.url(name))
        result = f'<p>Stored: <a href="{url}">{url}</a></p>'
    return HttpResponse(FORM.format(token=get_token(request), result=result))
