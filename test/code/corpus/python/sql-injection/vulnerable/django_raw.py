from django.http import JsonResponse

from shop.models import Customer


def customer_search(request):
    name = request.GET.get("name")
    customers = Customer.objects.raw(  # expect: python/sql-injection
        "SELECT * FROM shop_customer WHERE name = '" + name + "'"
    )
    return JsonResponse({"count": len(list(customers))})
