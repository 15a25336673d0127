"""A first screening list, so that a new association is not unprotected on day one. Each word
weighs 20: a fraud victim writing 兼职刷单 stays under the spam threshold of 60; an
advertisement that piles them up with a contact handle or a link does not. Officers edit the list on the tip settings page."""

from django.db import migrations

from yixun.lib.text import normalise

TERMS = {
    "advertising": ["代开", "发票", "刷单", "兼职", "日赚", "贷款", "博彩", "棋牌", "六合彩", "加微信", "代孕", "私服"],
    "keyword": ["傻逼", "草泥马", "操你"],
}


def add(apps, schema_editor):
    ScreeningTerm = apps.get_model("tips", "ScreeningTerm")
    for kind, terms in TERMS.items():
        for term in terms:
            ScreeningTerm.objects.get_or_create(
                kind=kind, normalised=normalise(term), defaults={"term": term, "weight": 20}
            )


class Migration(migrations.Migration):
    dependencies = [("tips", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
