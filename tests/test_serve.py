"""The endpoint: schemas, limits and errors with TestClient; a real uvicorn process under load; the
demo page in a real headless browser."""
import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serve.app import create_app

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (ROOT / "data" / "examples" / "kurils-sample.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client(tiny_models):
    with TestClient(create_app(tiny_models)) as c:
        yield c


def test_predict_shape_and_offsets(client):
    r = client.post("/predict", json={"text": SAMPLE, "dispute": "kurils"})
    assert r.status_code == 200
    body = r.json()
    assert body["target"].startswith("The disputed southern Kuril Islands") and len(body["quotes"]) >= 8
    for q in body["quotes"]:
        assert SAMPLE[q["start"]:q["end"]] == q["text"] and q["stance"] in ("FAVOR", "AGAINST", "NONE")


def test_dispute_auto_takes_the_target_of_the_dispute_the_text_names(client):
    text = 'Kyiv vows to return Crimea. "Crimea is Ukraine," Deputy Foreign Minister Olena Hrytsenko said.'
    r = client.post("/predict", json={"text": text, "dispute": "auto", "counter": True})
    assert r.status_code == 200 and r.json()["target"] == "Crimea is rightfully part of Russia."


def test_predict_matches_cli_pipeline(client, tiny_models):
    from model.pipeline import ArticleIn, Pipeline

    expected = Pipeline.load(tiny_models).predict_batch([ArticleIn("0", SAMPLE)])[0].to_dict()
    got = client.post("/predict", json={"text": SAMPLE}).json()
    assert got["quotes"] == expected["quotes"]


@pytest.mark.parametrize("int8", [True, False])
def test_app_runs_int8_by_default_and_fp32_on_request(tiny_models, int8):
    from model.int8 import Int8Encoder

    with TestClient(create_app(tiny_models) if int8 else create_app(tiny_models, int8=False)) as c:
        r = c.post("/predict", json={"text": SAMPLE})
        enc = c.app.state.pipe.stance.net.encoder
    assert r.status_code == 200 and r.json()["quotes"]
    assert isinstance(enc, Int8Encoder) == int8


def test_serve_help_lists_fp32():
    out = subprocess.run([sys.executable, "-m", "serve", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "--fp32" in out.stdout and "--model-dir" in out.stdout


def test_given_spans_and_batch(client):
    r = client.post("/predict/batch", json={"articles": [{"text": SAMPLE, "id": "a"},
                                                         {"text": SAMPLE, "quotes": [{"start": 10, "end": 30}]}]})
    assert r.status_code == 200
    a, b = r.json()
    assert a["id"] == "a" and b["id"] == "1" and [(q["start"], q["end"]) for q in b["quotes"]] == [(10, 30)]
    too_many = {"articles": [{"text": "x"}] * 65}
    assert client.post("/predict/batch", json=too_many).status_code == 422


def test_health_disputes_docs_and_demo(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["stance_model"] is True
    d = client.get("/disputes").json()
    assert "kurils" in d and d["crimea"]["claim"] == "Crimea should be returned to Ukraine."
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/swagger-ui-bundle.js" in docs.text
    assert client.get("/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["paths"]["/predict"]
    page = client.get("/")
    assert page.status_code == 200 and "<textarea" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing external: works offline


@pytest.mark.parametrize("payload, field", [
    ({"text": ""}, "text"),
    ({"text": "   "}, "body"),
    ({"text": "x" * 200_001}, "text"),
    ({"txt": "hello"}, "text"),
    ({"text": "hello", "dispute": "atlantis"}, "dispute"),
    ({"text": '"We like bread," said Tom Baker.', "dispute": "auto"}, "dispute"),
    ({"text": "hello", "quotes": [{"start": 3, "end": 99}]}, "body"),
    ({"text": "hello", "quotes": [{"start": 0, "end": 3}, {"start": 2, "end": 4}]}, "body"),
])
def test_bad_requests_get_422_with_the_field(client, payload, field):
    r = client.post("/predict", json=payload)
    assert r.status_code == 422
    assert any(field in e["loc"] for e in r.json()["detail"]), r.json()


def test_an_unknown_dispute_is_answered_as_the_cli_answers_it(client):
    r = client.post("/predict", json={"text": "hello", "dispute": "atlantis"})
    msg = r.json()["detail"][0]["msg"]
    assert r.status_code == 422 and "unknown dispute 'atlantis'; known: auto," in msg and "kurils" in msg


def test_malformed_json_and_big_bodies(client):
    r = client.post("/predict", content=b'{"text": "abc"', headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = client.post("/predict", content=b'{"text": "' + b"a" * 1_100_000 + b'"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413

    def chunks():
        for _ in range(12):
            yield b"a" * 100_000

    r = client.post("/predict", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert client.post("/predict", json={"text": SAMPLE}).status_code == 200  # still serving


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_models):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "serve", "--port", str(port), "--model-dir", str(tiny_models)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()) from None
            time.sleep(0.25)
    yield url
    proc.terminate()
    proc.wait(10)


def _post(url: str, payload: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_real_server_under_load(server, tiny_models):
    """500 requests from 32 concurrent clients: no error, and every answer is the expected one."""
    from model.pipeline import ArticleIn, Pipeline

    pipe = Pipeline.load(tiny_models)
    texts = [SAMPLE, SAMPLE.replace("Irina Volkova", "Olga Serova"), '"We stay," she said.', "No quotes."]
    expected = [[(q["start"], q["end"], q["speaker"]) for q in a.to_dict()["quotes"]]
                for a in pipe.predict_batch([ArticleIn(str(i), t) for i, t in enumerate(texts)])]

    def one(i):
        status, body = _post(server + "/predict", {"text": texts[i % 4]})
        return status, [(q["start"], q["end"], q["speaker"]) for q in body["quotes"]] == expected[i % 4]

    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        results = list(ex.map(one, range(500)))
    assert all(s == 200 for s, _ in results)
    assert all(ok for _, ok in results)
    status, body = _post(server + "/predict", {"text": ""})
    assert status == 422


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.mark.slow
@pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")
def test_demo_page_in_headless_browser(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1280,1600"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        driver.get(server + "/")
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.CSS_SELECTOR, "#dispute option[value=kurils]"))
        driver.find_element(By.ID, "text").send_keys(SAMPLE)
        driver.find_element(By.ID, "submit").click()
        WebDriverWait(driver, 60).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#article mark")))
        marks = driver.find_elements(By.CSS_SELECTOR, "#article mark")
        rows = driver.find_elements(By.CSS_SELECTOR, "#quotes tbody tr")
        assert len(marks) >= 8 and len(rows) == len(marks)
        assert any("Irina Volkova" in r.text for r in rows)
        assert all(m.get_attribute("class") in ("FAVOR", "AGAINST", "NONE") for m in marks)
        out = ROOT / "artifacts"
        out.mkdir(exist_ok=True)
        driver.save_screenshot(str(out / "demo-page.png"))
        assert os.path.getsize(out / "demo-page.png") > 10_000
    finally:
        driver.quit()
