#!/usr/bin/python3
"""Capture the exact HTTP bytes Triton's own Python client (tritonclient) sends to an Open Inference
Protocol v2 server, and what it accepts back.

The client is NOT vendored: point TRITONCLIENT_SRC at the `src/python/library` folder of a checkout of
github.com/triton-inference-server/client (see src/serve/testing/tritonclient/README.md). Its
dependencies come from Debian: python3-numpy python3-rapidjson python3-geventhttpclient
python3-aiohttp python3-gevent. Run with the system interpreter:

    TRITONCLIENT_SRC=/path/to/client/src/python/library TRITONCLIENT_COMMIT=<sha> \\
        /usr/bin/python3 scripts/golden/tritonclient_capture.py capture

        Starts a recording server on 127.0.0.1 (random port) that answers like a Triton/KServe v2
        server would (JSON or binary tensor extension, gzip/deflate, error bodies), drives the sync
        (tritonclient.http) and asyncio (tritonclient.http.aio) clients through every scenario and
        writes src/serve/testing/tritonclient/index.json plus bodies/*.bin (exact bytes). The Host
        header is normalised to 127.0.0.1:8000; every other header is kept as sent.

    ... tritonclient_capture.py probe --url 127.0.0.1:8000 [--api-key KEY] [--content-type TYPE]

        Runs the same client calls against a real server (ours) and prints, per call, whether the
        client accepted the answer or what it raised (JSON on stdout). --content-type adds that
        header to every infer call by hand, to see what fails once the 415 is out of the way.

    ... tritonclient_capture.py replay --url 127.0.0.1:8000 [--api-key KEY]

        Sends every captured request's exact bytes (method, path, headers, body) with http.client
        and prints status, Content-Type, Inference-Header-Content-Length and the first bytes of the
        body (JSON on stdout).

The student rows below are synthetic (no workbook data, no identifiers).
"""
import argparse
import asyncio
import base64
import gzip
import hashlib
import http.client
import http.server
import inspect
import json
import math
import os
import struct
import sys
import threading
import zlib

NORMAL_HOST = "127.0.0.1:8000"
MODEL = "defasagem"
VERSION = "v1.0.0"
DEFAULT_OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "serve", "testing", "tritonclient")

# The OIP metadata our server declares (GET /v2/models/defasagem, model v1.0.0): name, datatype.
INPUTS = [
    ("ano_base", "INT64"),
    ("fase", "INT64"),
    ("idade", "INT64"),
    ("genero", "BYTES"),
    ("instituicao", "BYTES"),
    ("ano_ingresso", "INT64"),
    ("ian", "FP64"),
    ("ida", "FP64"),
    ("ieg", "FP64"),
    ("iaa", "FP64"),
    ("ips", "FP64"),
    ("ipp", "FP64"),
    ("ipv", "FP64"),
    ("inde", "FP64"),
    ("defasagem", "INT64"),
]
OUTPUTS = [("risk_score", "FP64"), ("risk_label", "INT32"), ("risk_band", "BYTES")]

NAN = float("nan")
# Three synthetic students. Row 1 lacks ipp and row 2 lacks ida in the *_nan scenarios only.
ROWS = [
    dict(ano_base=2024, fase=3, idade=12, genero="feminino", instituicao="publica", ano_ingresso=2021,
         ian=5.0, ida=6.2, ieg=7.5, iaa=8.0, ips=6.9, ipp=7.1, ipv=7.3, inde=7.02, defasagem=-1),
    dict(ano_base=2024, fase=5, idade=14, genero="masculino", instituicao="privada_bolsa", ano_ingresso=2019,
         ian=10.0, ida=4.8, ieg=8.1, iaa=7.9, ips=7.5, ipp=6.4, ipv=6.6, inde=6.85, defasagem=0),
    dict(ano_base=2024, fase=0, idade=8, genero="feminino", instituicao="publica", ano_ingresso=2024,
         ian=2.5, ida=3.9, ieg=5.0, iaa=9.1, ips=5.6, ipp=5.0, ipv=4.2, inde=5.1, defasagem=-2),
]
MISSING = {(1, "ipp"), (2, "ida")}

# Canned answers in the shapes of Triton's HTTP server (src/http_server.cc) and its protocol docs.
SERVER_METADATA = {
    "name": MODEL,
    "version": "0.1.0",
    "extensions": ["binary_tensor_data", "model_configuration", "statistics"],
}


def model_metadata():
    return {
        "name": MODEL,
        "versions": [VERSION],
        "platform": "defasagem-random_forest",
        "inputs": [{"name": n, "datatype": d, "shape": [-1]} for n, d in INPUTS],
        "outputs": [{"name": n, "datatype": d, "shape": [-1]} for n, d in OUTPUTS],
    }


def model_config():
    """ModelConfig (common/protobuf/model_config.proto) as JSON, the way Triton's /config prints it."""
    ttype = {"INT64": "TYPE_INT64", "FP64": "TYPE_FP64", "INT32": "TYPE_INT32", "BYTES": "TYPE_STRING"}
    required = {"fase", "defasagem"}
    return {
        "name": MODEL,
        "platform": "",
        "backend": "defasagem",
        "version_policy": {"latest": {"num_versions": 1}},
        "max_batch_size": 0,
        "input": [
            {
                "name": n,
                "data_type": ttype[d],
                "format": "FORMAT_NONE",
                "dims": [-1],
                "is_shape_tensor": False,
                "allow_ragged_batch": False,
                "optional": n not in required,
            }
            for n, d in INPUTS
        ],
        "output": [
            {"name": n, "data_type": ttype[d], "dims": [-1], "label_filename": "", "is_shape_tensor": False}
            for n, d in OUTPUTS
        ],
        "instance_group": [{"name": MODEL, "kind": "KIND_CPU", "count": 1, "gpus": [], "profile": []}],
        "default_model_filename": "",
        "parameters": {},
    }


class Counters:
    requests = 0
    rows = 0


def model_stats():
    """$stats_model_response of docs/protocol/extension_statistics.md; durations are fixed fakes."""
    def dur(count, ns_each):
        return {"count": count, "ns": count * ns_each}

    n = Counters.requests
    return {
        "model_stats": [
            {
                "name": MODEL,
                "version": VERSION,
                "last_inference": 1767225600000 if n else 0,
                "inference_count": Counters.rows,
                "execution_count": n,
                "inference_stats": {
                    "success": dur(n, 900000),
                    "fail": dur(0, 0),
                    "queue": dur(n, 10000),
                    "compute_input": dur(n, 150000),
                    "compute_infer": dur(n, 600000),
                    "compute_output": dur(n, 50000),
                    "cache_hit": dur(0, 0),
                    "cache_miss": dur(0, 0),
                },
                "response_stats": {},
                "batch_stats": [],
                "memory_usage": [],
            }
        ]
    }


# ---------------------------------------------------------------------------------------------------
# The recording server


def decode_body(headers, body):
    enc = headers.get("Content-Encoding")
    if enc == "gzip":
        return gzip.decompress(body)
    if enc == "deflate":
        return zlib.decompress(body)
    return body


def split_head(headers, plain):
    ihcl = headers.get("Inference-Header-Content-Length")
    n = int(ihcl) if ihcl is not None else len(plain)
    return plain[:n], plain[n:]


def fake_outputs(n):
    scores = [(0.12, 0.57, 0.83)[i % 3] for i in range(n)]
    labels = [1 if s >= 0.4 else 0 for s in scores]
    bands = ["baixo" if s < 0.4 else "medio" if s < 0.6 else "alto" for s in scores]
    return {"risk_score": scores, "risk_label": labels, "risk_band": bands}


def pack(datatype, values):
    if datatype == "FP64":
        return struct.pack("<%dd" % len(values), *values)
    if datatype == "INT32":
        return struct.pack("<%di" % len(values), *values)
    out = b""
    for v in values:
        b = v.encode("utf-8")
        out += struct.pack("<I", len(b)) + b
    return out


def triton_accept_encoding(value):
    """Triton's CompressionTypeUsed: the first of identity/deflate/gzip with the highest q wins."""
    best, weight = "identity", 0.0
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, _, q = part.partition(";q=")
        try:
            w = float(q) if q else 1.0
        except ValueError:
            continue
        if name in ("identity", "deflate", "gzip") and w > weight:
            best, weight = name, w
    return best


def infer_answer(headers, body):
    """A Triton-shaped infer response (binary outputs when asked, compressed when accepted)."""
    head, _tail = split_head(headers, decode_body(headers, body))
    req = json.loads(head)  # Python's json accepts the bare NaN rapidjson writes
    n = req["inputs"][0]["shape"][0]
    params = req.get("parameters", {})
    wanted = req.get("outputs") or [{"name": name} for name, _ in OUTPUTS]
    data = fake_outputs(n)
    dtypes = dict(OUTPUTS)
    outs, tail = [], b""
    for o in wanted:
        name = o["name"]
        binary = o.get("parameters", {}).get("binary_data", params.get("binary_data_output", False))
        out = {"name": name, "datatype": dtypes[name], "shape": [n]}
        if binary:
            raw = pack(dtypes[name], data[name])
            out["parameters"] = {"binary_data_size": len(raw)}
            tail += raw
        else:
            out["data"] = data[name]
        outs.append(out)
    resp = {"model_name": MODEL, "model_version": VERSION}
    if "id" in req:
        resp["id"] = req["id"]
    resp["outputs"] = outs
    head_bytes = json.dumps(resp, separators=(",", ":")).encode()
    hdrs = []
    if tail:
        hdrs += [("Content-Type", "application/octet-stream"), ("Inference-Header-Content-Length", str(len(head_bytes)))]
    else:
        hdrs += [("Content-Type", "application/json")]
    payload = head_bytes + tail
    enc = triton_accept_encoding(headers.get("Accept-Encoding"))
    if enc == "gzip":
        payload = gzip.compress(payload, mtime=0)
        hdrs.append(("Content-Encoding", "gzip"))
    elif enc == "deflate":
        payload = zlib.compress(payload)
        hdrs.append(("Content-Encoding", "deflate"))
    Counters.requests += 1
    Counters.rows += n
    return 200, hdrs, payload


def json_answer(obj, status=200):
    return status, [("Content-Type", "application/json")], json.dumps(obj, separators=(",", ":")).encode()


def default_answer(method, path, headers, body):
    base = "/v2/models/%s" % MODEL
    if path in ("/v2/health/live",):
        return json_answer({"live": True})
    if path in ("/v2/health/ready",):
        return json_answer({"ready": True})
    if path == "/v2":
        return json_answer(SERVER_METADATA)
    if path.startswith(base):
        rest = path[len(base):]
        if rest.startswith("/versions/"):
            rest = "/" + rest.split("/", 3)[3] if rest.count("/") >= 3 else ""
        if method == "GET" and rest == "":
            return json_answer(model_metadata())
        if method == "GET" and rest == "/ready":
            return json_answer({"name": MODEL, "ready": True})
        if method == "GET" and rest == "/config":
            return json_answer(model_config())
        if method == "GET" and rest == "/stats":
            return json_answer(model_stats())
        if method == "POST" and rest == "/infer":
            return infer_answer(headers, body)
    return json_answer({"error": "Not Found"}, 404)


class Recorder:
    records = []
    override = None  # (status, headers, body) answered instead of the default for the next calls


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        headers = [[k, (NORMAL_HOST if k.lower() == "host" else v)] for k, v in self.headers.items()]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if Recorder.override is not None:
            status, out_headers, payload = Recorder.override
        else:
            status, out_headers, payload = default_answer(self.command, self.path, self.headers, body)
        Recorder.records.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": headers,
                "body": body,
                "status": status,
                "out_headers": list(out_headers),
                "payload": payload,
            }
        )
        self.send_response_only(status)
        for k, v in out_headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _handle
    do_POST = _handle


# ---------------------------------------------------------------------------------------------------
# Scenarios: (name, description, method, args-builder)


def column(name, datatype, rows, with_missing):
    import numpy as np

    vals = [(NAN if with_missing and (i, name) in MISSING else r[name]) for i, r in enumerate(rows)]
    if datatype == "BYTES":
        return np.array([v.encode("utf-8") if isinstance(v, str) else v for v in vals], dtype=np.object_)
    return np.array(vals, dtype={"INT64": np.int64, "FP64": np.float64, "FP32": np.float32}[datatype])


def make_inputs(tc, binary=True, with_missing=False, fp="FP64", shape2=False, skip=(), extra=(), bytes_values=None):
    ins = []
    for name, dt in INPUTS:
        if name in skip:
            continue
        dt = fp if dt == "FP64" else dt
        arr = column(name, dt, ROWS, with_missing)
        if bytes_values is not None and name in bytes_values:
            import numpy as np

            arr = np.array(bytes_values[name], dtype=np.object_)
        if shape2:
            arr = arr.reshape(len(ROWS), 1)
        inp = tc.InferInput(name, list(arr.shape), dt)
        inp.set_data_from_numpy(arr, binary_data=binary)
        ins.append(inp)
    for name, dt, arr in extra:
        inp = tc.InferInput(name, list(arr.shape), dt)
        inp.set_data_from_numpy(arr, binary_data=binary)
        ins.append(inp)
    return ins


def outs(tc, binary):
    return [tc.InferRequestedOutput(name, binary_data=binary) for name, _ in OUTPUTS]


def scenarios(tc):
    import numpy as np

    m = MODEL
    none_bytes = {"genero": np.array([b"feminino", None, ""], dtype=np.object_)}
    return [
        ("is_server_live", "GET /v2/health/live", "is_server_live", lambda: ((), {})),
        ("is_server_ready", "GET /v2/health/ready", "is_server_ready", lambda: ((), {})),
        ("get_server_metadata", "GET /v2", "get_server_metadata", lambda: ((), {})),
        ("get_model_metadata", "GET /v2/models/defasagem", "get_model_metadata", lambda: ((m,), {})),
        ("get_model_metadata_version", "versioned URL", "get_model_metadata",
         lambda: ((m,), {"model_version": VERSION})),
        ("get_model_config", "Triton model configuration extension", "get_model_config", lambda: ((m,), {})),
        ("is_model_ready", "GET /v2/models/defasagem/ready", "is_model_ready", lambda: ((m,), {})),
        ("infer_json", "(a) all inputs JSON (binary_data=False), all outputs requested as JSON",
         "infer", lambda: ((m, make_inputs(tc, binary=False)), {"outputs": outs(tc, False)})),
        ("infer_json_default_outputs",
         "(a) JSON inputs, no outputs named: the client adds parameters.binary_data_output=true",
         "infer", lambda: ((m, make_inputs(tc, binary=False)), {})),
        ("infer_json_nan", "(b) JSON inputs with NaN: rapidjson writes a bare NaN token (not JSON)",
         "infer", lambda: ((m, make_inputs(tc, binary=False, with_missing=True)), {"outputs": outs(tc, False)})),
        ("infer_binary_nan_fp64", "(b) client defaults: binary inputs, NaN in FP64 ipp/ida, binary outputs",
         "infer", lambda: ((m, make_inputs(tc, with_missing=True)), {})),
        ("infer_binary_nan_fp32", "(b) binary inputs with the indicators as FP32 (NaN), outputs as JSON",
         "infer", lambda: ((m, make_inputs(tc, with_missing=True, fp="FP32")), {"outputs": outs(tc, False)})),
        ("infer_binary_outputs", "(c) JSON inputs, every output requested with binary_data=True",
         "infer", lambda: ((m, make_inputs(tc, binary=False)), {"outputs": outs(tc, True)})),
        ("infer_mixed_outputs", "(c) binary risk_score and risk_band, JSON risk_label; shape [n, 1] inputs",
         "infer", lambda: ((m, make_inputs(tc, shape2=True)), {"outputs": [
             tc.InferRequestedOutput("risk_score", binary_data=True),
             tc.InferRequestedOutput("risk_label", binary_data=False),
             tc.InferRequestedOutput("risk_band", binary_data=True)]})),
        ("infer_bytes_none_json", "(d) BYTES with None and '' in JSON: None is sent as the string \"None\"",
         "infer", lambda: ((m, make_inputs(tc, binary=False, bytes_values=none_bytes)), {"outputs": outs(tc, False)})),
        ("infer_bytes_none_binary", "(d) BYTES with None and '' in binary: None is sent as b\"None\"",
         "infer", lambda: ((m, make_inputs(tc, bytes_values=none_bytes)), {"outputs": outs(tc, False)})),
        ("infer_id_parameters", "(e) request_id, custom parameters, priority and timeout",
         "infer", lambda: ((m, make_inputs(tc)), {
             "request_id": "lote-1", "priority": 1, "timeout": 1000000,
             "parameters": {"origem": "tritonclient", "top_factors": 3}, "outputs": outs(tc, False)})),
        ("infer_versioned", "infer on /versions/{v}/infer", "infer",
         lambda: ((m, make_inputs(tc)), {"model_version": VERSION, "outputs": outs(tc, False)})),
        ("infer_gzip", "(f) request_compression_algorithm='gzip', response_compression_algorithm='gzip'",
         "infer", lambda: ((m, make_inputs(tc, with_missing=True)), {
             "request_compression_algorithm": "gzip", "response_compression_algorithm": "gzip"})),
        ("infer_deflate", "(f) request_compression_algorithm='deflate', response_compression_algorithm='deflate'",
         "infer", lambda: ((m, make_inputs(tc, binary=False)), {
             "request_compression_algorithm": "deflate", "response_compression_algorithm": "deflate",
             "outputs": outs(tc, False)})),
        ("get_inference_statistics", "Triton statistics extension", "get_inference_statistics",
         lambda: ((m,), {})),
    ]


def error_scenarios(tc):
    """(g) The same infer request answered with different error shapes: what does the client read?"""
    m = MODEL
    msg = "Input \"fase\" is required."
    ours = {"error": msg, "code": "DEF_ERR_API_INVALID_TENSOR", "hint": "Fix the request.", "details": {}}
    call = lambda: ((m, make_inputs(tc, binary=False)), {"outputs": outs(tc, False)})  # noqa: E731
    j = lambda o: json.dumps(o, separators=(",", ":")).encode()  # noqa: E731
    return [
        ("error_json", "400 application/json {\"error\": msg} (Triton's shape)", "infer", call,
         (400, [("Content-Type", "application/json")], j({"error": msg}))),
        ("error_json_charset_extra", "400 'application/json; charset=utf-8' with code/hint/details beside error",
         "infer", call, (400, [("Content-Type", "application/json; charset=utf-8")], j(ours))),
        ("error_object", "400 {\"error\": {object}} (the /predict error shape)", "infer", call,
         (400, [("Content-Type", "application/json")], j({"error": {"code": "X", "message": msg}}))),
        ("error_no_error_key", "400 JSON without an error key", "infer", call,
         (400, [("Content-Type", "application/json")], j({"message": msg}))),
        ("error_text_plain", "415 text/plain body", "infer", call,
         (415, [("Content-Type", "text/plain; charset=utf-8")], b"Unsupported Media Type")),
        ("error_empty", "400 with an empty body", "infer", call, (400, [], b"")),
        ("error_metadata_404", "GET model metadata answered 404 {\"error\"}", "get_model_metadata",
         lambda: ((m,), {}), (404, [("Content-Type", "application/json")], j({"error": "model not found"}))),
        ("error_live_503", "is_server_live answered 503", "is_server_live", lambda: ((), {}),
         (503, [("Content-Type", "application/json")], j({"live": False}))),
        ("error_model_ready_400", "is_model_ready answered 400 (Triton: not ready)", "is_model_ready",
         lambda: ((m,), {}), (400, [("Content-Type", "application/json")], j({"error": "Model version not ready"}))),
    ]


def probe_extra(tc):
    """Calls only run against a real server: refusals the protocol's servers answer with 400."""
    import numpy as np

    m = MODEL
    extra = [("escola", "BYTES", np.array([b"a", b"b", b"c"], dtype=np.object_))]
    return [
        ("infer_json_with_content_type", "(a) plus Content-Type: application/json added by hand", "infer",
         lambda: ((m, make_inputs(tc, binary=False)), {"outputs": outs(tc, False),
                                                       "headers": {"Content-Type": "application/json"}})),
        ("infer_missing_required", "no 'fase' tensor (Triton: 400)", "infer",
         lambda: ((m, make_inputs(tc, binary=False, skip=("fase",))), {"outputs": outs(tc, False)})),
        ("infer_unknown_tensor", "an extra 'escola' tensor (Triton: 400 unexpected inference input)", "infer",
         lambda: ((m, make_inputs(tc, binary=False, extra=extra)), {"outputs": outs(tc, False)})),
        ("infer_unknown_model", "infer on /v2/models/nope (Triton: 400/404 with {error})", "infer",
         lambda: (("nope", make_inputs(tc, binary=False)), {"outputs": outs(tc, False)})),
    ]


# ---------------------------------------------------------------------------------------------------
# Running the client


def load_client():
    src = os.environ.get("TRITONCLIENT_SRC")
    if not src or not os.path.isdir(os.path.join(src, "tritonclient")):
        sys.exit("Set TRITONCLIENT_SRC to <client checkout>/src/python/library (it holds tritonclient/).")
    sys.path.insert(0, src)
    import tritonclient.http as tc
    import tritonclient.http.aio as tca

    return tc, tca


def describe_array(arr):
    vals = []
    for v in arr.flatten().tolist():
        if isinstance(v, bytes):
            vals.append({"bytes": v.decode("utf-8", "replace")})
        elif isinstance(v, float) and math.isnan(v):
            vals.append("NaN")
        else:
            vals.append(v)
    py = type(arr.flatten()[0]).__name__ if arr.size else None
    return {"dtype": str(arr.dtype), "shape": list(arr.shape), "element_type": py, "values": vals}


def describe_result(res):
    if isinstance(res, (bool, dict)) or res is None:
        return {"returned": res}
    body = res.get_response()
    return {
        "response": body,
        "as_numpy": {o["name"]: describe_array(res.as_numpy(o["name"])) for o in body.get("outputs", [])},
    }


def describe_error(e):
    status = e.status() if hasattr(e, "status") else None
    message = e.message() if hasattr(e, "message") else str(e)
    try:
        text = str(e)
    except Exception as inner:  # noqa: BLE001 - e.g. a non-string "error" makes str() itself fail
        text = "str() raised %s: %s" % (type(inner).__name__, inner)
    return {"raised": type(e).__name__, "status": status, "message": message, "str": text}


async def run_one(client, method, args_builder):
    args, kwargs = args_builder()
    try:
        res = getattr(client, method)(*args, **kwargs)
        if inspect.isawaitable(res):
            res = await res
        return describe_result(res)
    except Exception as e:  # noqa: BLE001 - we record what the client raises
        return describe_error(e)


def call_text(method, args_builder):
    args, kwargs = args_builder()
    shown = [repr(a) if isinstance(a, str) else "<%d InferInput>" % len(a) for a in args]
    for k, v in kwargs.items():
        if k == "outputs":
            shown.append("outputs=[%s]" % ", ".join(
                "InferRequestedOutput(%r, binary_data=%s)" % (o.name(), o._binary) for o in v))
        else:
            shown.append("%s=%r" % (k, v))
    return "%s(%s)" % (method, ", ".join(shown))


async def drive(url, tc, tca, plan, on_result):
    """plan: list of (name, description, method, args_builder, override-or-None)."""
    sync_client = tc.InferenceServerClient(url)
    aio_client = tca.InferenceServerClient(url)
    try:
        for label, client in (("http", sync_client), ("aio", aio_client)):
            for name, desc, method, builder, override in plan:
                Recorder.override = override
                before = len(Recorder.records)
                result = await run_one(client, method, builder)
                Recorder.override = None
                on_result(label, name, desc, method, builder, result, Recorder.records[before:])
    finally:
        sync_client.close()
        await aio_client.close()


def rel(path):
    return path.replace(os.sep, "/")


def capture(out_dir, commit):
    tc, tca = load_client()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "127.0.0.1:%d" % server.server_address[1]
    plan = [(n, d, m, b, None) for n, d, m, b in scenarios(tc)]
    plan += [(n, d, m, b, o) for n, d, m, b, o in error_scenarios(tc)]
    bodies = os.path.join(out_dir, "bodies")
    os.makedirs(bodies, exist_ok=True)
    for f in os.listdir(bodies):
        os.remove(os.path.join(bodies, f))
    captures = []

    def on_result(label, name, desc, method, builder, result, records):
        if len(records) != 1:
            raise SystemExit("%s/%s: expected one HTTP request, saw %d" % (label, name, len(records)))
        r = records[0]
        cid = "%s-%s" % (label, name)
        entry = {
            "id": cid,
            "client": "tritonclient.http" if label == "http" else "tritonclient.http.aio",
            "scenario": name,
            "description": desc,
            "call": call_text(method, builder),
            "request": describe_bytes(r["method"], r["path"], r["headers"], r["body"], bodies, cid + ".request.bin"),
            "response": describe_bytes(None, None, r["out_headers"], r["payload"], bodies, cid + ".response.bin"),
            "client_result": result,
        }
        entry["response"]["status"] = r["status"]
        captures.append(entry)

    asyncio.run(drive(url, tc, tca, plan, on_result))
    server.shutdown()
    index = {
        "format": 1,
        "about": "Exact requests of Triton's Python HTTP clients and the answers they accepted; see README.md.",
        "client": {
            "repository": "https://github.com/triton-inference-server/client",
            "commit": commit,
            "python": sys.version.split()[0],
            "libraries": library_versions(),
        },
        "host_normalised_to": NORMAL_HOST,
        "captures": captures,
    }
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=2, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    print("wrote %d captures to %s" % (len(captures), os.path.normpath(out_dir)))


def describe_bytes(method, path, headers, body, bodies, filename):
    d = {}
    if method is not None:
        d["method"] = method
        d["path"] = path
    d["headers"] = [list(h) for h in headers]
    if body:
        with open(os.path.join(bodies, filename), "wb") as f:
            f.write(body)
        d["body"] = rel(os.path.join("bodies", filename))
        d["body_length"] = len(body)
        d["body_sha256"] = hashlib.sha256(body).hexdigest()
        hmap = {k.lower(): v for k, v in headers}
        plain = decode_body({"Content-Encoding": hmap.get("content-encoding")}, body)
        ihcl = hmap.get("inference-header-content-length")
        n = int(ihcl) if ihcl is not None else len(plain)
        head, tail = plain[:n], plain[n:]
        try:
            d["json_header"] = head.decode("utf-8")
        except UnicodeDecodeError:
            d["json_header_base64"] = base64.b64encode(head).decode()
        d["binary_tail_length"] = len(tail)
    else:
        d["body"] = None
    return d


def library_versions():
    import aiohttp
    import gevent
    import geventhttpclient
    import numpy
    import rapidjson

    return {
        "numpy": numpy.__version__,
        "python-rapidjson": rapidjson.__version__,
        "geventhttpclient": geventhttpclient.__version__,
        "aiohttp": aiohttp.__version__,
        "gevent": gevent.__version__,
    }


def probe(url, api_key, content_type):
    tc, tca = load_client()
    plan = [(n, d, m, b, None) for n, d, m, b in scenarios(tc) + probe_extra(tc)]
    if api_key:
        plan = [(n, d, m, with_header(b, "Authorization", "Bearer " + api_key), o) for n, d, m, b, o in plan]
    if content_type:
        plan = [(n, d, m, with_header(b, "Content-Type", content_type) if m == "infer" else b, o)
                for n, d, m, b, o in plan]
    out = []

    def on_result(label, name, desc, method, builder, result, records):
        out.append({"client": label, "scenario": name, "description": desc, "result": result})

    asyncio.run(drive(url, tc, tca, plan, on_result))
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False, default=str)
    print()


def with_header(builder, name, value):
    def wrapped():
        args, kwargs = builder()
        kwargs = dict(kwargs)
        kwargs["headers"] = dict(kwargs.get("headers") or {}, **{name: value})
        return args, kwargs

    return wrapped


def replay(url, out_dir, api_key):
    with open(os.path.join(out_dir, "index.json")) as f:
        index = json.load(f)
    host, port = url.rsplit(":", 1)
    out = []
    for c in index["captures"]:
        if c["scenario"].startswith("error_"):
            continue  # their answers were canned by the recording server, not chosen by the request
        req = c["request"]
        body = b""
        if req["body"]:
            with open(os.path.join(out_dir, req["body"]), "rb") as f:
                body = f.read()
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.putrequest(req["method"], req["path"], skip_host=True, skip_accept_encoding=True)
        for k, v in req["headers"]:
            conn.putheader(k, url if k.lower() == "host" else v)
        if api_key:
            conn.putheader("Authorization", "Bearer " + api_key)
        conn.endheaders(body or None)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        out.append({
            "id": c["id"],
            "status": resp.status,
            "content_type": resp.getheader("Content-Type"),
            "inference_header_content_length": resp.getheader("Inference-Header-Content-Length"),
            "content_encoding": resp.getheader("Content-Encoding"),
            "body_start": payload[:300].decode("utf-8", "replace"),
        })
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
    print()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture", help="record the client's requests against a recording server")
    c.add_argument("--out", default=DEFAULT_OUT)
    for name in ("probe", "replay"):
        s = sub.add_parser(name, help="run against a real server")
        s.add_argument("--url", default="127.0.0.1:8000", help="host:port, no scheme")
        s.add_argument("--api-key", default=os.environ.get("OIP_API_KEY"))
        s.add_argument("--out", default=DEFAULT_OUT)
        if name == "probe":
            s.add_argument("--content-type", help="add this Content-Type to every infer call (by hand)")
    a = p.parse_args()
    if a.cmd == "capture":
        capture(a.out, os.environ.get("TRITONCLIENT_COMMIT", "unknown"))
    elif a.cmd == "probe":
        probe(a.url, a.api_key, a.content_type)
    else:
        replay(a.url, a.out, a.api_key)


if __name__ == "__main__":
    main()
