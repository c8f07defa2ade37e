from django.db import models


class Athlete(models.Model):
    name = models.CharField(max_length=200)


class Workout(models.Model):
    """A row with one field of each kind the data move must carry unchanged."""

    athlete = models.ForeignKey(Athlete, on_delete=models.CASCADE, related_name="workouts")
    name = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    reps = models.IntegerField()
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    done_at = models.DateTimeField()
    public = models.BooleanField(default=False)
