"""Numeric precision policies: float32, mixed_float16, mixed_bfloat16, or auto."""

from pathlib import Path

import keras

from fer_utils.params import POLICIES, check_choice
from fer_utils.runs import accelerators


def _cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _gpu_policy() -> str:
    """mixed_bfloat16 on GPUs with native bfloat16 (compute capability 8.0+), else mixed_float16."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0])
        major, _ = details.get("compute_capability", (7, 0))
        return "mixed_bfloat16" if major >= 8 else "mixed_float16"
    return "mixed_bfloat16"


def choose_policy() -> str:
    """Pick a policy from the hardware alone: a mixed policy on GPUs and bf16 CPUs, else float32.

    NOTE: mixed_bfloat16 was faster for all four networks on a 2-core AMD EPYC but twice as
    slow for the shallow network on a 2-core Intel Xeon with AMX (BENCHMARKS.md).
    """
    if accelerators():
        return _gpu_policy()
    return "mixed_bfloat16" if _cpu_has_bf16() else "float32"


def set_precision(policy: str = "float32") -> str:
    """Set Keras's global dtype policy; return the policy name now in force.

    Call it before building a model. "auto" resolves with choose_policy(). The models'
    output layers compute in float32 under every policy.
    """
    check_choice("precision", policy, POLICIES)
    resolved = choose_policy() if policy == "auto" else policy
    keras.config.set_dtype_policy(resolved)
    return resolved
