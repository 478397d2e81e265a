"""Malformed model and data files of the kinds users hand in (issue 29), built by the tests themselves:
a few tiny Keras models saved once, then damaged copies made with plain file and zip operations."""

import json
import shutil
import zipfile

import numpy as np
from PIL import Image


def named_layers(path, names):
    """A 28×28 gray functional model that rescales itself, then one 3×3 conv per name in ``names``."""
    import keras
    from keras import layers

    x = inp = keras.Input((28, 28, 1), name="image")
    x = layers.Rescaling(1 / 255.0, name="rescale")(x)
    for name in names:
        x = layers.Conv2D(2, 3, name=name)(x)
    keras.Model(inp, x, name="named").save(path)


def with_lambda(path, marker=None):
    """x / 255 as a Lambda layer named "scale" (and a conv "conv_a"); with ``marker``, the lambda also
    creates that file each time it runs, so a test can see whether a load ran the saved code."""
    import keras
    from keras import layers

    if marker:
        marker = str(marker)  # a closure Keras can save
        scale = lambda t: (open(marker, "a").close(), t / 255.0)[1]  # noqa: E731, SIM115
    else:
        scale = lambda t: t / 255.0  # noqa: E731
    x = inp = keras.Input((28, 28, 1), name="image")
    x = layers.Lambda(scale, name="scale")(x)
    x = layers.Conv2D(2, 3, name="conv_a")(x)
    keras.Model(inp, x, name="lambda").save(path)


def with_custom_layer(path):
    """A model with a layer of a registered custom class, whose code only the saving process had."""
    import keras
    from keras import layers

    @keras.saving.register_keras_serializable(package="user")
    class Doubled(layers.Layer):
        def call(self, x):
            return 2.0 * x

    x = inp = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(2, 3, name="conv_a")(Doubled(name="doubled")(x))
    keras.Model(inp, x, name="custom").save(path)


def weights_only(path):
    """What model.save_weights writes: an HDF5 file without the model's description."""
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(2, 3, name="conv_a")])
    model.save_weights(path)  # Keras 3 insists on the .weights.h5 suffix


def truncated(source, path, keep=0.5):
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def rezipped(source, path, config=None, drop=()):
    """A copy of the .keras ``source``: config.json replaced by ``config`` (bytes), members in ``drop`` left out."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            if item.filename in drop:
                continue
            data = config if item.filename == "config.json" and config is not None else src.read(item)
            dst.writestr(item, data)


def model_files(folder, good):
    """{name: path} of broken model files in ``folder``, from the good ``.keras`` file ``good``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in (
        "truncated.keras", "plain.keras", "no_config.keras", "bad_json.keras", "list_config.keras",
        "no_weights.keras", "text.h5", "truncated.h5", "weights.weights.h5", "lambda.keras", "lambda.h5",
        "custom.keras", "..keras", "my model.keras", "net{map}.keras", "net.pt",
    )}  # fmt: skip
    truncated(good, paths["truncated.keras"])
    paths["plain.keras"].write_text("a text file, whatever its name says\n")
    rezipped(good, paths["no_config.keras"], drop=("config.json",))
    rezipped(good, paths["bad_json.keras"], config=b'{"class_name": "Functional", "config": {')
    rezipped(good, paths["list_config.keras"], config=json.dumps([1, 2]).encode())
    rezipped(good, paths["no_weights.keras"], drop=("model.weights.h5",))
    paths["text.h5"].write_text("not HDF5\n")
    with_lambda(paths["lambda.keras"])
    with_lambda(paths["lambda.h5"])
    truncated(paths["lambda.h5"], paths["truncated.h5"], keep=0.3)
    weights_only(paths["weights.weights.h5"])
    with_custom_layer(paths["custom.keras"])
    for name in ("..keras", "my model.keras", "net{map}.keras"):
        shutil.copy(good, paths[name])
    paths["net.pt"].write_bytes(b"\x80\x02torch")
    (folder / "saved").mkdir(exist_ok=True)
    (folder / "saved" / "saved_model.pb").write_bytes(b"")
    (folder / "a_folder.keras").mkdir(exist_ok=True)
    paths.update(saved=folder / "saved", folder=folder / "a_folder.keras")
    return paths


def data_files(folder):
    """{name: path} of ``model.data`` files and folders in ``folder`` that cannot give 28×28 gray test images."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    arrays = {
        "objects.npz": {"images": np.array([gray[0], "a note"], dtype=object)},
        "two_arrays.npz": {"x": gray, "y": np.arange(4)},
        "bools.npz": {"images": gray > 128},
        "complex.npz": {"images": gray.astype(np.complex64)},
        "strings.npz": {"images": np.array(["a", "b"])},
        "30px.npz": {"images": np.zeros((4, 30, 30), np.uint8)},
        "rgb.npz": {"images": np.zeros((4, 28, 28, 3), np.uint8)},
        "empty.npz": {"images": np.zeros((0, 28, 28), np.uint8)},
        "unit.npz": {"images": gray / 255.0},
        "16bit.npz": {"images": gray.astype(np.uint16) * 4},
        "nan.npz": {"images": np.where(gray > 250, np.nan, gray.astype(np.float32))},
        "good.npz": {"images": gray},
    }
    paths = {}
    for name, content in arrays.items():
        paths[name] = folder / name
        np.savez(paths[name], **content)  # an object array is pickled into it, as np.savez does by default
    truncated(paths["good.npz"], folder / "truncated.npz")
    np.save(folder / "array.npy", gray)
    shutil.move(folder / "array.npy", folder / "array.npz")
    (folder / "table.csv").write_text("1,2\n")
    (folder / "empty").mkdir(exist_ok=True)
    (folder / "photos").mkdir(exist_ok=True)
    Image.fromarray(gray[0]).save(folder / "photos" / "a.png")
    truncated(folder / "photos" / "a.png", folder / "photos" / "b.png", keep=0.6)
    (folder / "braces").mkdir(exist_ok=True)
    Image.fromarray(gray[0]).save(folder / "braces" / "x{map}.png")
    names = ("truncated.npz", "array.npz", "table.csv", "empty", "photos", "braces")
    return {**paths, **{name: folder / name for name in names}}
