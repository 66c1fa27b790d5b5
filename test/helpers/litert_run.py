"""Runs int8 input tensors through a .tflite model in the LiteRT interpreter (ai_edge_litert), or
in TensorFlow Lite Micro's reference kernels (the tflite-micro wheel from PyPI) with "TFLM".

Reads one JSON object on stdin: {"model": PATH, "resolver": "BUILTIN_REF" | "BUILTIN" | "AUTO",
"inputs": [[int8, ...], ...]} ("resolver": "TFLM" for TensorFlow Lite Micro) and prints {"litert": VERSION, "resolver": ..., "outputs": [[...]],
"layers": [[[...] per operator] per input]} on stdout. BUILTIN_REF is LiteRT's reference kernels
(the definition), BUILTIN its optimized kernels without delegates, AUTO the default (XNNPACK).
Used by test/helpers/litert.ts; exit status 3 when ai_edge_litert is not installed.
"""
import json
import sys

try:
    import numpy as np
    from ai_edge_litert import interpreter as litert
    from importlib.metadata import version
except ImportError as e:  # the caller reports this as "LiteRT is not installed"
    print(f"ai_edge_litert is not importable: {e}", file=sys.stderr)
    sys.exit(3)


def run_tflm(req):
    try:
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as e:
        print(f"tflite_micro is not importable: {e}", file=sys.stderr)
        sys.exit(4)
    it = runtime.Interpreter.from_file(req["model"])
    shape = it.get_input_details(0)["shape"]
    outputs = []
    for x in req["inputs"]:
        it.set_input(np.asarray(x, dtype=np.int8).reshape(shape), 0)
        it.invoke()
        outputs.append(it.get_output(0).reshape(-1).tolist())
    json.dump({"litert": "tflite-micro " + version("tflite-micro"), "resolver": "TFLM", "outputs": outputs, "layers": []}, sys.stdout)


def main():
    req = json.load(sys.stdin)
    if req.get("resolver") == "TFLM":
        return run_tflm(req)
    resolver = getattr(litert.OpResolverType, req.get("resolver", "BUILTIN_REF"))
    it = litert.Interpreter(model_path=req["model"], experimental_op_resolver_type=resolver,
                            experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    if inp["dtype"] != np.int8 or out["dtype"] != np.int8:
        raise SystemExit("the model's input and output must be int8 tensors")
    # every operator's output tensor, in execution order
    op_outputs = [op["outputs"][0] for op in it._get_ops_details()]
    outputs, layers = [], []
    for x in req["inputs"]:
        it.set_tensor(inp["index"], np.asarray(x, dtype=np.int8).reshape(inp["shape"]))
        it.invoke()
        outputs.append(it.get_tensor(out["index"]).reshape(-1).tolist())
        layers.append([it.get_tensor(t).reshape(-1).tolist() for t in op_outputs])
    json.dump({"litert": version("ai-edge-litert"), "resolver": req.get("resolver", "BUILTIN_REF"),
               "outputs": outputs, "layers": layers}, sys.stdout)


if __name__ == "__main__":
    main()
