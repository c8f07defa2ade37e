from django.core.files.storage import FileSystemStorage
from django.shortcuts import render


def image_upload(request):
    """Stores an uploaded file under MEDIA_ROOT and shows its URL."""
    if request.method == "POST" and request.FILES.get("image_file"):
        upload = request.FILES["image_file"]
        storage = FileSystemStorage()
        name = storage.save(upload.name, upload)
        return render(request, "upload.html", {"image_url": storage.url(name)})
    return render(request, "upload.html")
