"""Re-packs a .tflite file with LiteRT's own generated schema code and the official FlatBuffers
builder (back-to-front layout, shared vtables), optionally changing every operator code:

    python litert_repack.py IN.tflite OUT.tflite [BUILTIN_CODE]

so the TypeScript reader is checked on a file it did not write. Exit status 3 without
ai_edge_litert.
"""
import sys

try:
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema
except ImportError as e:
    print(f"ai_edge_litert is not importable: {e}", file=sys.stderr)
    sys.exit(3)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        model = schema.ModelT.InitFromPackedBuf(bytearray(f.read()), 0)
    if len(sys.argv) > 3:
        code = int(sys.argv[3])
        for oc in model.operatorCodes:
            oc.builtinCode = code
            oc.deprecatedBuiltinCode = min(code, 127)
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    with open(dst, "wb") as f:
        f.write(b.Output())


if __name__ == "__main__":
    main()
