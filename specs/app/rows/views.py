from django.http import JsonResponse

from rows.models import Workout


def rows(request):
    """Every workout as JSON, and the request headers Django saw (to check nginx's)."""
    workouts = [
        {
            "id": w.pk,
            "athlete": w.athlete.name,
            "name": w.name,
            "notes": w.notes,
            "reps": w.reps,
            "weight": str(w.weight),
            "done_at": w.done_at.isoformat(),
            "public": w.public,
        }
        for w in Workout.objects.select_related("athlete").order_by("pk")
    ]
    headers = {k: v for k, v in request.META.items() if k.startswith("HTTP_")}
    return JsonResponse({"rows": workouts, "headers": headers})
