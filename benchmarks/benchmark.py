"""Measure loading, input-pipeline, training and inference speed on this machine.

Two input pipelines are compared on the same data and models:
- "original": a rebuild of the report's flow_from_directory + ImageDataGenerator. JPEGs
  are decoded from the class folders on every pass (keras.utils.image_dataset_from_directory)
  and each image is augmented on its own on the CPU inside tf.data. Needs TensorFlow.
- "project": this project's decoded uint8 arrays held in memory, with augmentation applied
  to whole batches inside the compiled training step.

Results are printed and written as JSON to benchmarks/results/. Usage:

    python benchmarks/benchmark.py [--data PATH] [--steps 30] [--models improved_se ...]
    KERAS_BACKEND=jax python benchmarks/benchmark.py   # the project pipeline on JAX

--data defaults to ../shared/datasets/fer2013/archive.zip beside the checkout when it
exists, and to the synthetic fixture otherwise.
"""

import argparse
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import keras
import numpy as np

from fer_utils.augmentation import build_augmentation
from fer_utils.data import load_dataset
from fer_utils.fixtures import fixture_path
from fer_utils.models import BUILDERS, build_model
from fer_utils.runs import project_root, system_info
from fer_utils.recipes import Recipe
from fer_utils.training import build_training_model, one_hot

REAL_ZIP = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "fer2013" / "archive.zip"
POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
BATCH = 32


def timed(function, *args, **kwargs):
    """Return (result, seconds) of one call."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def measure_loading(source: Path) -> dict:
    """Seconds to load a dataset with an empty cache, then from the cache."""
    with tempfile.TemporaryDirectory() as cache_dir:
        dataset, first = timed(load_dataset, source, cache_dir=cache_dir)
        _, cached = timed(load_dataset, source, cache_dir=cache_dir)
    return {"source": str(source), "first_load_s": first, "cached_load_s": cached, "train_images": len(dataset.train)}


def extract_train_folder(source: Path, target: Path) -> Path:
    """Return a train/ image folder for the original pipeline, extracting a zip into target."""
    if source.is_dir():
        return source / "train"
    with zipfile.ZipFile(source) as archive:
        members = [name for name in archive.namelist() if "train/" in name and name.endswith(".jpg")]
        archive.extractall(target, members)
    return next(target.rglob("train"))


def original_dataset(train_folder: Path, seed: int):
    """Build the report's pipeline: decode JPEGs on every pass, augment one image at a time."""
    import tensorflow as tf

    augmentation = build_augmentation(seed=seed)
    dataset = keras.utils.image_dataset_from_directory(
        train_folder, labels="inferred", label_mode="categorical", color_mode="grayscale",
        image_size=(48, 48), batch_size=None, shuffle=True, seed=seed, verbose=False,
    )
    dataset = dataset.map(lambda image, label: (augmentation(image, training=True), label),
                          num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.repeat().batch(BATCH).prefetch(tf.data.AUTOTUNE)


class EpochTimer(keras.callbacks.Callback):
    """Record the wall-clock seconds of every epoch."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


def steady_rate(fit, steps: int) -> float:
    """Images per second of the second of two epochs of `steps` steps (the first compiles)."""
    timer = EpochTimer()
    fit(epochs=2, callbacks=[timer])
    return steps * BATCH / timer.seconds[-1]


def project_training_rate(network, images, labels, steps: int, seed: int) -> float:
    """Images per second training `network` on in-memory arrays with batch augmentation."""
    model = build_training_model(network, Recipe(learning_rate=1e-4, epochs=1), seed)
    count = steps * BATCH
    return steady_rate(lambda **kw: model.fit(images[:count], one_hot(labels[:count]),
                                              batch_size=BATCH, shuffle=True, verbose=0, **kw), steps)


def original_training_rate(network, dataset, steps: int) -> float:
    """Images per second training `network` from the decode-every-pass tf.data pipeline."""
    network.compile(optimizer=keras.optimizers.Adam(1e-4), loss="categorical_crossentropy", metrics=["accuracy"])
    return steady_rate(lambda **kw: network.fit(dataset, steps_per_epoch=steps, shuffle=False, verbose=0, **kw), steps)


class TrainingModeAugmentation(keras.layers.Layer):
    """Apply the training augmentation even in predict(), to time it on its own."""

    def __init__(self, seed: int, **kwargs):
        super().__init__(**kwargs)
        self.augmentation = build_augmentation(seed=seed)

    def call(self, images):
        return self.augmentation(images, training=True)


def pipeline_only_rate(images: np.ndarray, seed: int, repeats: int = 3) -> float:
    """Images per second of the project pipeline with no network.

    Model.predict feeds the in-memory uint8 arrays in batches of 32, as fit does, through
    the compiled batch augmentation, and returns the augmented batches to the host.
    """
    inputs = keras.Input((48, 48, 1))
    model = keras.Model(inputs, TrainingModeAugmentation(seed)(inputs))
    model.predict(images[:BATCH * 4], batch_size=BATCH, verbose=0)
    started = time.perf_counter()
    for _ in range(repeats):
        model.predict(images, batch_size=BATCH, verbose=0)
    return repeats * len(images) / (time.perf_counter() - started)


def original_pipeline_rate(dataset, steps: int) -> float:
    """Images per second the decode-every-pass pipeline yields, with no model."""
    iterator = iter(dataset)
    for _ in range(3):
        next(iterator)
    started = time.perf_counter()
    for _ in range(steps):
        next(iterator)
    return steps * BATCH / (time.perf_counter() - started)


def inference(images: np.ndarray) -> dict:
    """Throughput at batch 256 and single-image latency of the improved SE network (float32)."""
    model = build_model("improved_se")
    batch = images[:256]
    model.predict_on_batch(batch)
    _, seconds = timed(lambda: [model.predict_on_batch(batch) for _ in range(5)])
    one = images[:1]
    model(one, training=False)
    latencies = [timed(model, one, training=False)[1] for _ in range(30)]
    return {"batch_256_images_per_s": 5 * 256 / seconds, "single_image_latency_ms": 1000 * float(np.median(latencies))}


def train_rates(name: str, data, train_folder, steps: int, seed: int, policies) -> dict:
    """Training images per second of one network: each policy on the project pipeline, and
    float32 on the original pipeline when TensorFlow is the backend."""
    rates = {}
    for policy in policies:
        keras.config.set_dtype_policy(policy)
        keras.utils.set_random_seed(seed)
        rates[f"project/{policy}"] = project_training_rate(build_model(name), data.train.images,
                                                           data.train.labels, steps, seed)
        print(f"  {name:12s} project  {policy:15s} {rates[f'project/{policy}']:8.1f} images/s", flush=True)
    keras.config.set_dtype_policy("float32")
    if train_folder is not None:
        keras.utils.set_random_seed(seed)
        dataset = original_dataset(train_folder, seed)
        rates["original/float32"] = original_training_rate(build_model(name), dataset, steps)
        print(f"  {name:12s} original float32         {rates['original/float32']:8.1f} images/s", flush=True)
    return rates


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REAL_ZIP if REAL_ZIP.exists() else None,
                        help="FER-2013 archive.zip or image folder (default: the real FER-2013 beside "
                             "the checkout if present, else the synthetic fixture)")
    parser.add_argument("--steps", type=int, default=30, help="timed training steps per measurement (default: 30)")
    parser.add_argument("--models", nargs="+", default=list(BUILDERS), choices=list(BUILDERS),
                        help="networks to train (default: all four)")
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=list(POLICIES),
                        help="precision policies for the project pipeline (default: all three)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, help="JSON results file (default: benchmarks/results/<backend>-<time>.json)")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    arguments = parse_arguments(argv)
    source = arguments.data or fixture_path("fer2013_zip")
    backend = keras.backend.backend()
    results = {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]), "system": system_info(),
               "batch_size": BATCH, "steps": arguments.steps}
    print(f"Backend {backend}, data {source}", flush=True)

    results["loading"] = measure_loading(source)
    print(f"Load: first {results['loading']['first_load_s']:.2f} s, cached {results['loading']['cached_load_s']:.2f} s", flush=True)
    data = load_dataset(source)

    with tempfile.TemporaryDirectory() as scratch:
        train_folder = extract_train_folder(source, Path(scratch)) if backend == "tensorflow" else None
        results["pipeline_only_images_per_s"] = {
            "project": pipeline_only_rate(data.train.images, arguments.seed)}
        if train_folder is not None:
            dataset = original_dataset(train_folder, arguments.seed)
            results["pipeline_only_images_per_s"]["original"] = original_pipeline_rate(dataset, 3 * arguments.steps)
        print(f"Pipeline alone: {results['pipeline_only_images_per_s']}", flush=True)
        results["training_images_per_s"] = {
            name: train_rates(name, data, train_folder, arguments.steps, arguments.seed, arguments.policies)
            for name in arguments.models}

    results["inference_improved_se"] = inference(data.test.images)
    print(f"Inference: {results['inference_improved_se']}", flush=True)
    output = arguments.output or (project_root() or Path.cwd()) / "benchmarks" / "results" / \
        f"{backend}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Wrote {output}")
    return results


if __name__ == "__main__":
    main()
