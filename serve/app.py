"""The HTTP endpoint: `create_app(model_dir)` builds a FastAPI app whose models load once at start-up.

    POST /predict         one article  -> the CLI's JSON record
    POST /predict/batch   up to 64     -> a list of records
    GET  /health, /disputes, /docs (offline OpenAPI page), /  (the demo page)
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from model import __version__
from model.io import MAX_TEXT, InputError, target_resolver
from model.pipeline import ArticleIn, Pipeline

STATIC = Path(__file__).parent / "static"
MAX_BODY = 1_000_000  # bytes
MAX_BATCH = 64


class SpanIn(BaseModel):
    start: int = Field(ge=0)
    end: int = Field(gt=0)


class ArticleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="the article, plain text")
    target: str | None = Field(None, min_length=1, max_length=1000, description="target statement for stance")
    dispute: str | None = Field(None, description="a key of GET /disputes, or 'auto' (the dispute whose territory "
                                                "names the text uses most); sets the target when none is given")
    counter: bool = Field(False, description="with dispute: use its counter-statement as target")
    quotes: list[SpanIn] | None = Field(None, max_length=2000, description="given quote spans: detection is skipped")

    @field_validator("text")
    @classmethod
    def not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text is blank")
        return v

    @model_validator(mode="after")
    def spans_inside(self):
        spans = sorted((q.start, q.end) for q in self.quotes or [])
        for s, e in spans:
            if not s < e <= len(self.text):
                raise ValueError(f"quote span {s}..{e} is not inside the text (0..{len(self.text)})")
        for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
            if s2 < e1:
                raise ValueError(f"quote spans {s1}..{e1} and {s2}..{e2} overlap")
        return self


class BatchRequest(BaseModel):
    articles: list[ArticleRequest] = Field(min_length=1, max_length=MAX_BATCH)


class SpanOut(BaseModel):
    start: int
    end: int


class QuoteOut(BaseModel):
    start: int
    end: int
    text: str
    kind: str
    speaker: str | None
    speaker_mention: SpanOut | None
    cue: SpanOut | None
    speaker_confidence: float
    stance: str | None
    scores: dict[str, float] | None


class ArticleOut(BaseModel):
    id: str
    target: str
    quotes: list[QuoteOut]


def _article_in(req: ArticleRequest, disputes: dict, index: int = 0) -> ArticleIn:
    try:  # the CLI's rules and messages for a target, a dispute key or "auto"
        target = target_resolver(disputes, req.counter)(req.target, req.dispute, req.text)
    except InputError as e:
        raise HTTPException(422, detail=[{"loc": ["body", "dispute"], "msg": str(e), "type": "value_error"}]) from None
    spans = [(q.start, q.end) for q in req.quotes] if req.quotes is not None else None
    return ArticleIn(req.id or str(index), req.text, target, spans)


class BodyLimit:
    """Rejects request bodies over MAX_BODY bytes with 413, whether or not Content-Length is sent: the
    body is read (at most MAX_BODY + 1 bytes) before the app sees it, then replayed."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        too_large = JSONResponse({"detail": f"request body over {MAX_BODY} bytes"}, 413)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            return await too_large(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] != "http.request":
                break
            chunks.append(msg.get("body", b""))
            size += len(chunks[-1])
            more = msg.get("more_body", False)
            if size > MAX_BODY:
                return await too_large(scope, receive, send)
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def create_app(model_dir: str | Path = "artifacts", pipeline: Pipeline | None = None, int8: bool = True) -> FastAPI:
    """The app; its models are loaded once when it starts (or `pipeline` is used as given); int8=False keeps
    the stance encoder in fp32 (higher latency, see the README)."""
    lock = asyncio.Lock()  # one prediction at a time on the CPU; the event loop stays free

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pipe = pipeline or await run_in_threadpool(Pipeline.load, model_dir, int8=int8)
        yield

    app = FastAPI(title="quotestance", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Quotations in news on territorial disputes: detection, speakers and stance.")
    app.add_middleware(BodyLimit)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        return JSONResponse({"detail": errors}, 422)

    async def run(articles: list[ArticleIn]):
        async with lock:
            return await run_in_threadpool(app.state.pipe.predict_batch, articles)

    @app.post("/predict", response_model=ArticleOut)
    async def predict(req: ArticleRequest):
        art = _article_in(req, app.state.pipe.disputes)
        return (await run([art]))[0].to_dict()

    @app.post("/predict/batch", response_model=list[ArticleOut])
    async def predict_batch(req: BatchRequest):
        arts = [_article_in(r, app.state.pipe.disputes, i) for i, r in enumerate(req.articles)]
        return [a.to_dict() for a in await run(arts)]

    @app.get("/health")
    async def health():
        pipe = app.state.pipe
        return {"status": "ok", "version": __version__, "stance_model": pipe.stance is not None,
                "models": pipe.versions()}

    @app.get("/disputes")
    async def disputes():
        return {k: {"name": v["name"], "claim": v["claim"], "counter": v["counter"], "parties": v["parties"]}
                for k, v in app.state.pipe.disputes.items()}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def demo():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="quotestance API",
                                   swagger_js_url="/static/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger-ui.css", swagger_favicon_url="")

    @app.get("/static/{name}", include_in_schema=False)
    async def static(name: str):
        import swagger_ui_bundle

        if name not in ("swagger-ui-bundle.js", "swagger-ui.css"):
            raise HTTPException(404)
        return FileResponse(Path(swagger_ui_bundle.swagger_ui_path) / name)

    return app
