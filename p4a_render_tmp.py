import tempfile
from pathlib import Path
from fastapi.testclient import TestClient
from tests.conftest import BASE_CONFIG, FakeClock
from tests.watchd.alerts.alerting import alert_config, motion, tamper, Ticker
from watchd.settings.root import Settings
from watchd.settings.load import LoadedConfig
from watchd.app import build_services
from api.app import create_app
tmp = Path(tempfile.mkdtemp())
clock = FakeClock()
s = build_services(LoadedConfig(path=tmp/"x", settings=Settings.model_validate({**BASE_CONFIG, **alert_config(None, throttle={"windows":[{"minutes":1,"max":1}]})}), data_dir=tmp/"d", database_url=f"sqlite:///{tmp}/db"), clock=clock, recognition_workers=0)
import shutil
snap = tmp/"d"/"events"/"a.jpg"; snap.parent.mkdir(parents=True)
import numpy as np, cv2
img = np.zeros((240, 320, 3), np.uint8); img[:] = (40, 90, 40); cv2.rectangle(img, (100, 80), (160, 200), (200,200,200), -1)
cv2.imwrite(str(snap), img)
s.alerts.record(motion(clock, "cam1", snapshot_path="events/a.jpg"))
s.alerts.record(tamper(clock, "cam2"))
t = Ticker(s); t.tick(); clock.advance(minutes=1); t.tick()
c = TestClient(create_app(s)); c.__enter__()
ns = s.alerts.notifications()
for n in ns: print(n.status, n.purpose, n.text)
link = [n for n in ns if n.purpose == "digest"][0].text.rsplit("/a/",1)[1]
html = c.get("/a/"+link).text
(tmp/"page.html").write_text(html)
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium")
    pg = b.new_page(viewport={"width": 390, "height": 844})
    # serve through the test client: write html with absolute snapshot path replaced by data url
    import base64
    data = base64.b64encode(snap.read_bytes()).decode()
    html2 = html.replace(f'/a/{link}/snapshot/1', 'data:image/jpeg;base64,'+data)
    pg.set_content(html2)
    pg.screenshot(path="/tmp/p4a_page/ack.png", full_page=True)
    r = c.post("/a/"+link)
    pg.set_content(r.text.replace(f'/a/{link}/snapshot/1', 'data:image/jpeg;base64,'+data))
    pg.screenshot(path="/tmp/p4a_page/ack_done.png", full_page=True)
    b.close()
