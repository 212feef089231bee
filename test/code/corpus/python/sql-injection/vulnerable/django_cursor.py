from django.db import connection
from django.http import JsonResponse


def report(request):
    region = request.POST["region"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(total) FROM sales WHERE region = '%s'" % region)  # expect: python/sql-injection
        return JsonResponse({"total": cursor.fetchone()[0]})
