#!/usr/bin/env python3
"""Builds the image folders of README's "Does it help on my data?" table (train/ and test/, one sub-folder per class).

Needs numpy, Pillow, scikit-image and the full Fashion-MNIST (Debian: python3-numpy python3-pil python3-skimage
dataset-fashion-mnist), and scikit-learn for the digits. Usage: python3 make_sets.py OUTPUT_FOLDER. Every draw is
seeded, so the folders are the same on every machine. The sets:
  fm1000-16-gray   1,000 Fashion-MNIST training images at 16x16 grayscale, 2,000 test images
  fm2000-32-gray   2,000 at 32x32 grayscale, 2,000 test images
  fm1000-32-color  1,000 at 32x32, each image tinted with a random foreground and background colour
  digits-16        scikit-learn's 8x8 digits upscaled to 16x16 grayscale: the first 1,297 for training, the last 500
                   for testing (only when scikit-learn is installed: Debian python3-sklearn)
  photos-32        32x32 patches of 9 colour photos of scikit-image; the class is the photo; training patches come
                   from the left 70% of each photo, test patches from the right 30%
"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

FASHION = '/usr/share/datasets/fashion-mnist/'


def idx(name):
    with gzip.open(FASHION + name) as f:
        data = f.read()
    n = int.from_bytes(data[4:8], 'big')
    if data[2:4] == b'\x08\x03':
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8)


def tint(image, rng):
    foreground, background = rng.uniform(0.3, 1.0, 3), rng.uniform(0.0, 0.35, 3)
    alpha = image[..., None] / 255.0
    return (255 * (alpha * foreground + (1 - alpha) * background)).clip(0, 255).astype(np.uint8)


def write(folder, images, labels, size, color, seed):
    rng = np.random.default_rng(seed)
    for i, (image, label) in enumerate(zip(images, labels)):
        d = os.path.join(folder, f'c{label}')
        os.makedirs(d, exist_ok=True)
        picture = Image.fromarray(tint(image, rng) if color else image).resize((size, size), Image.BILINEAR)
        picture.save(os.path.join(d, f'{i:05d}.png'))


def fashion_sets(out, rng):
    x_train, y_train = idx('train-images-idx3-ubyte.gz'), idx('train-labels-idx1-ubyte.gz')
    x_test, y_test = idx('t10k-images-idx3-ubyte.gz'), idx('t10k-labels-idx1-ubyte.gz')
    for name, n, size, color in [('fm1000-16-gray', 1000, 16, False), ('fm2000-32-gray', 2000, 32, False),
                                 ('fm1000-32-color', 1000, 32, True)]:
        train, test = rng.permutation(len(x_train))[:n], rng.permutation(len(x_test))[:2000]
        write(f'{out}/{name}/train', x_train[train], y_train[train], size, color, 1)
        write(f'{out}/{name}/test', x_test[test], y_test[test], size, color, 2)


def photo_set(out, rng):
    from skimage import data
    names = ['astronaut', 'coffee', 'chelsea', 'rocket', 'hubble_deep_field', 'immunohistochemistry', 'retina',
             'colorwheel', 'cat']
    photos = {name: getattr(data, name)()[..., :3] for name in names}
    for split, (lo, hi), count in [('train', (0.0, 0.7), 150), ('test', (0.7, 1.0), 60)]:
        for name, photo in photos.items():
            h, w, _ = photo.shape
            d = f'{out}/photos-32/{split}/{name}'
            os.makedirs(d, exist_ok=True)
            x0, x1 = int(lo * w), int(hi * w)
            for i in range(count):
                side = rng.integers(48, min(h, x1 - x0, 160))  # patch side before resizing to 32
                y, x = rng.integers(0, h - side + 1), rng.integers(x0, x1 - side + 1)
                Image.fromarray(photo[y:y + side, x:x + side]).resize((32, 32), Image.BILINEAR).save(f'{d}/{i:04d}.png')


def digits_set(out):
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        print('digits-16 skipped: scikit-learn is not installed (Debian: python3-sklearn)')
        return
    digits = load_digits()
    images = (digits.images * (255.0 / 16.0)).round().clip(0, 255).astype(np.uint8)
    for split, rows in [('train', range(0, 1297)), ('test', range(len(images) - 500, len(images)))]:
        write(f'{out}/digits-16/{split}', images[list(rows)], digits.target[list(rows)], 16, False, 0)


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    generator = np.random.default_rng(7)
    fashion_sets(sys.argv[1], generator)
    photo_set(sys.argv[1], generator)
    digits_set(sys.argv[1])
