"""Running a network: the Predictor (a loaded model with its backend), the backends
(torch, ONNX Runtime) and the devices.  Above ``core.io``."""
