"""Helplines: admins edit them, everyone reads them, the reader's region first."""
from sqlalchemy import func, select

from tests.conftest import login
from training.extensions import db
from training.support import Helpline


def test_admin_adds_and_edits_helplines_and_readers_see_their_region_first(app, client, make_user):
    make_user("boss", role="admin")
    make_user("mei", region="Sichuan")
    login(client, "boss")
    form = {"region": "", "name_en": "Women's rights hotline", "name_zh": "妇女维权热线", "contact": "12338",
            "notes_en": "Advice and referral", "position": "1", "active": "y"}
    assert client.post("/admin/helplines", data=form).status_code == 302
    local = {**form, "region": "sichuan", "name_en": "Chengdu shelter", "name_zh": "", "contact": "028-0000000"}
    assert client.post("/admin/helplines", data=local).status_code == 302
    nameless = client.post("/admin/helplines", data={**form, "name_en": " ", "name_zh": ""})
    assert nameless.status_code == 422 and "at least one language" in nameless.get_data(as_text=True)
    unlisted = client.post("/admin/helplines", data={**local, "region": "Chengdu"})
    assert unlisted.status_code == 422 and "Choose a region from the list" in unlisted.get_data(as_text=True)
    assert db.session.execute(select(func.count(Helpline.id))).scalar_one() == 2

    anonymous = app.test_client().get("/support").get_data(as_text=True)
    assert anonymous.index("Everywhere") < anonymous.index("Sichuan")
    reader = app.test_client()
    login(reader, "mei")
    page = reader.get("/support").get_data(as_text=True)
    assert page.index("Chengdu shelter") < page.index("rights hotline")  # her region first
    zh = app.test_client().get("/support", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "妇女维权热线" in zh and "Chengdu shelter" in zh  # falls back to the language there is
    assert "<h2>四川</h2>" in zh and "Sichuan" not in zh  # the region in the reader's language

    row = db.session.execute(select(Helpline).where(Helpline.contact == "12338")).scalar_one()
    edit = client.get(f"/admin/helplines/{row.id}").get_data(as_text=True)
    assert 'value="12338"' in edit
    unticked = {k: v for k, v in form.items() if k != "active"}
    client.post(f"/admin/helplines/{row.id}", data={**unticked, "contact": "12338 (24 h)"})  # hidden now
    db.session.refresh(row)
    assert row.contact == "12338 (24 h)" and row.active is False
    assert "12338" not in app.test_client().get("/support").get_data(as_text=True)


def test_demo_load_adds_national_helplines_once(app):
    from courses.demo import DEMO_HELPLINES

    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    runner.invoke(args=["demo", "load"])
    assert db.session.execute(select(func.count(Helpline.id))).scalar_one() == len(DEMO_HELPLINES)
