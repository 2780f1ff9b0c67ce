"""Draw the concept figures that the notebooks' text shows.

    python images/make_figures.py            # writes into images/
    python images/make_figures.py --out DIR  # writes into DIR

Every figure is drawn from the small arrays below; nothing comes from MNIST.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402

HERE = Path(__file__).resolve().parent
PNG_OPTIONS = {"dpi": 100, "metadata": {"Software": None}}

# A 7 x 7 binary image of a small "7", and a filter that responds to a
# horizontal stroke with empty space below it.
IMAGE = np.array(
    [
        [0, 0, 0, 0, 0, 0, 0],
        [0, 1, 1, 1, 1, 1, 0],
        [0, 0, 0, 0, 1, 0, 0],
        [0, 0, 0, 1, 0, 0, 0],
        [0, 0, 0, 1, 0, 0, 0],
        [0, 0, 1, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ]
)
KERNEL = np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]])
POOL_INPUT = np.array([[1, 3, 0, 2], [4, 2, 1, 0], [0, 1, 5, 6], [2, 0, 7, 1]])


def convolve(image, kernel, stride=1):
    """Feature map of ``kernel`` slid over ``image`` (no padding)."""
    k = kernel.shape[0]
    rows = (image.shape[0] - k) // stride + 1
    cols = (image.shape[1] - k) // stride + 1
    out = np.zeros((rows, cols), dtype=int)
    for i in range(rows):
        for j in range(cols):
            patch = image[i * stride : i * stride + k, j * stride : j * stride + k]
            out[i, j] = int(np.sum(patch * kernel))
    return out


def draw_grid(ax, values, x0=0.0, y0=0.0, title=None, colours=None, fmt="{:d}"):
    """Draw ``values`` as a grid of numbered squares with its top-left at (x0, y0)."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            colour = colours(values[i, j]) if colours else "white"
            ax.add_patch(Rectangle((x0 + j, y0 - i - 1), 1, 1, facecolor=colour, edgecolor="grey"))
            ax.text(x0 + j + 0.5, y0 - i - 0.5, fmt.format(values[i, j]), ha="center", va="center")
    if title:
        ax.text(x0 + cols / 2, y0 + 0.4, title, ha="center", va="bottom", fontsize=11)


def outline(ax, x0, y0, row, col, size, colour, width=3):
    """Outline a ``size`` x ``size`` block of a grid drawn at (x0, y0)."""
    ax.add_patch(
        Rectangle(
            (x0 + col, y0 - row - size), size, size, fill=False, edgecolor=colour, linewidth=width
        )
    )


def ink(value):
    return "#444444" if value else "white"


def ink_text(ax):
    """Make the digits on dark squares readable."""
    for text in ax.texts:
        if text.get_text() == "1" and text.get_position()[0] < 7.5:
            text.set_color("white")


def signed(value):
    if value > 0:
        return "#f4a582"
    if value < 0:
        return "#92c5de"
    return "white"


def save(fig, out: Path, name: str, tight=True) -> Path:
    """Write ``fig`` to ``out/name`` and close it."""
    if tight:
        fig.tight_layout()
    path = out / name
    fig.savefig(path, **PNG_OPTIONS)
    plt.close(fig)
    return path


def blank_axes(width, height):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def convolution_frame(ax, position):
    """One step of the sliding window: input, filter, and the feature map so far."""
    ax.clear()
    ax.set_aspect("equal")
    ax.axis("off")
    feature_map = convolve(IMAGE, KERNEL)
    n = feature_map.shape[1]
    i, j = divmod(position, n)
    draw_grid(ax, IMAGE, 0, 0, "input (7 × 7)", ink)
    ink_text(ax)
    outline(ax, 0, 0, i, j, 3, "crimson")
    draw_grid(ax, KERNEL, 8.5, -2, "filter (3 × 3)", signed)
    ax.text(8, -3.5, "×", fontsize=18, ha="center", va="center")
    ax.text(12, -3.5, "=", fontsize=18, ha="center", va="center")
    shown = np.where(np.arange(feature_map.size).reshape(feature_map.shape) <= position, 1, 0)
    x0 = 13
    for r in range(feature_map.shape[0]):
        for c in range(n):
            done = shown[r, c]
            colour = signed(feature_map[r, c]) if done else "white"
            ax.add_patch(Rectangle((x0 + c, -1 - r - 1), 1, 1, facecolor=colour, edgecolor="grey"))
            if done:
                ax.text(
                    x0 + c + 0.5, -1 - r - 0.5, str(feature_map[r, c]), ha="center", va="center"
                )
    ax.text(x0 + n / 2, -0.6, "feature map (5 × 5)", ha="center", va="bottom", fontsize=11)
    outline(ax, x0, -1, i, j, 1, "crimson")
    patch = IMAGE[i : i + 3, j : j + 3]
    ax.text(
        9.5,
        -7.6,
        f"sum of pixel × weight over the red window = {int(np.sum(patch * KERNEL))}",
        ha="center",
        fontsize=10,
    )
    ax.set_xlim(-0.5, 18.5)
    ax.set_ylim(-8.2, 1.2)


def convolution_figures(out: Path) -> list[Path]:
    fig, ax = blank_axes(9, 4.4)
    convolution_frame(ax, 6)
    still = out / "convolution.png"
    fig.savefig(still, **PNG_OPTIONS)

    frames = convolve(IMAGE, KERNEL).size
    animation = FuncAnimation(fig, lambda k: convolution_frame(ax, k), frames=frames)
    gif = out / "convolution.gif"
    animation.save(gif, writer=PillowWriter(fps=2), dpi=70)
    plt.close(fig)
    return [still, gif]


def stride_figure(out: Path) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, stride in zip(axes, (1, 2), strict=True):
        ax.set_aspect("equal")
        ax.axis("off")
        draw_grid(ax, IMAGE, 0, 0, None, ink)
        ink_text(ax)
        positions = range(0, IMAGE.shape[1] - 2, stride)
        colours = ("crimson", "darkorange", "seagreen", "royalblue", "purple")
        for colour, j in zip(colours, positions, strict=False):
            outline(ax, 0, 0, 0, j, 3, colour, width=2.5)
        size = convolve(IMAGE, KERNEL, stride).shape
        ax.set_title(
            f"stride {stride}: the window moves {stride} pixel{'s' * (stride > 1)}\n"
            f"7 × 7 input → {size[0]} × {size[1]} feature map",
            fontsize=10,
        )
        ax.set_xlim(-0.3, 7.3)
        ax.set_ylim(-7.3, 0.3)
    return save(fig, out, "stride.png")


def padding_figure(out: Path) -> Path:
    small = IMAGE[1:6, 1:6]
    padded = np.pad(small, 1)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    panels = [
        (axes[0], small, "'valid': no padding\n5 × 5 input → 3 × 3 output", False),
        (axes[1], padded, "'same': a border of zeros\n5 × 5 input → 5 × 5 output", True),
    ]
    for ax, grid, title, is_padded in panels:
        ax.set_aspect("equal")
        ax.axis("off")
        n = grid.shape[0]
        draw_grid(ax, grid, 0, 0, None, ink)
        if is_padded:
            for k in range(n):
                for i, j in ((0, k), (n - 1, k), (k, 0), (k, n - 1)):
                    ax.add_patch(
                        Rectangle((j, -i - 1), 1, 1, facecolor="#fff3b0", edgecolor="grey")
                    )
                    ax.text(j + 0.5, -i - 0.5, "0", ha="center", va="center", color="grey")
        for text in ax.texts:
            if text.get_text() == "1":
                text.set_color("white")
        outline(ax, 0, 0, 0, 0, 3, "crimson")
        ax.set_title(title, fontsize=10)
        ax.set_xlim(-0.3, n + 0.3)
        ax.set_ylim(-n - 0.3, 0.3)
    return save(fig, out, "padding.png")


def pooling_figure(out: Path) -> Path:
    block_colours = ["#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4"]

    def colour_of(i, j):
        return block_colours[(i // 2) * 2 + j // 2]

    fig, ax = blank_axes(7, 3.6)
    for i in range(4):
        for j in range(4):
            ax.add_patch(Rectangle((j, -i - 1), 1, 1, facecolor=colour_of(i, j), edgecolor="grey"))
            ax.text(j + 0.5, -i - 0.5, str(POOL_INPUT[i, j]), ha="center", va="center")
    ax.text(2, 0.4, "4 × 4 input", ha="center", va="bottom", fontsize=11)
    ax.add_patch(FancyArrowPatch((4.6, -2), (6.4, -2), arrowstyle="-|>", mutation_scale=20))
    ax.text(5.5, -1.6, "max of each\n2 × 2 block", ha="center", va="bottom", fontsize=9)
    for bi in range(2):
        for bj in range(2):
            value = POOL_INPUT[2 * bi : 2 * bi + 2, 2 * bj : 2 * bj + 2].max()
            x, y = 7 + bj, -1 - bi - 1
            ax.add_patch(
                Rectangle((x, y), 1, 1, facecolor=colour_of(2 * bi, 2 * bj), edgecolor="grey")
            )
            ax.text(x + 0.5, y + 0.5, str(value), ha="center", va="center", fontweight="bold")
    ax.text(8, -0.6, "2 × 2 output", ha="center", va="bottom", fontsize=11)
    ax.set_xlim(-0.3, 9.3)
    ax.set_ylim(-4.3, 1.2)
    return save(fig, out, "max_pooling.png", tight=False)


def node(ax, x, y, text, colour="white", radius=0.35):
    ax.add_patch(Circle((x, y), radius, facecolor=colour, edgecolor="black", zorder=3))
    ax.text(x, y, text, ha="center", va="center", zorder=4, fontsize=10)


def arrow(ax, start, end, label=None, colour="black"):
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=colour, zorder=2)
    )
    if label:
        ax.text(
            (start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.12, label, ha="center", fontsize=9
        )


def neuron_figure(out: Path) -> Path:
    fig, ax = blank_axes(8, 3.6)
    inputs = [(0, 1.2), (0, 0), (0, -1.2)]
    for k, (x, y) in enumerate(inputs, 1):
        node(ax, x, y, f"$x_{k}$", "#e0ecf4")
        arrow(ax, (x + 0.35, y), (2.65, y * 0.15), f"$w_{k}$")
    node(ax, 3, 0, "Σ + b", "#fde0c5", radius=0.5)
    ax.text(3, -0.8, "z = w₁x₁ + w₂x₂ + w₃x₃ + b", ha="center", fontsize=9)
    arrow(ax, (3.5, 0), (4.6, 0))
    node(ax, 5.1, 0, "f", "#d9f0d3", radius=0.5)
    ax.text(5.1, -0.8, "activation\n(ReLU, sigmoid…)", ha="center", va="top", fontsize=9)
    arrow(ax, (5.6, 0), (6.8, 0))
    ax.text(7.0, 0, "output\nf(z)", ha="left", va="center", fontsize=10)
    ax.set_xlim(-0.6, 8.2)
    ax.set_ylim(-1.9, 1.8)
    return save(fig, out, "neuron.png", tight=False)


def network_figure(out: Path) -> Path:
    fig, ax = blank_axes(8, 4.2)
    layers = [
        ("input\n(784 pixels)", 4, "#e0ecf4"),
        ("hidden\n(128, ReLU)", 5, "#fde0c5"),
        ("hidden\n(128, ReLU)", 5, "#fde0c5"),
        ("output\n(10, softmax)", 3, "#d9f0d3"),
    ]
    positions = []
    for index, (name, count, _) in enumerate(layers):
        x = index * 2.4
        ys = np.linspace(-(count - 1) / 2, (count - 1) / 2, count) * 0.9
        positions.append([(x, y) for y in ys])
        ax.text(x, -2.9, name, ha="center", va="top", fontsize=9)
    for left, right in zip(positions[:-1], positions[1:], strict=True):
        for a in left:
            for b in right:
                ax.plot([a[0], b[0]], [a[1], b[1]], color="grey", linewidth=0.5, zorder=1)
    for (_, _, colour), column in zip(layers, positions, strict=True):
        for x, y in column:
            node(ax, x, y, "", colour, radius=0.22)
        ax.text(column[0][0], column[-1][1] + 0.5, "⋮", ha="center", fontsize=12)
    ax.set_xlim(-0.8, 8.0)
    ax.set_ylim(-3.7, 2.9)
    return save(fig, out, "network.png", tight=False)


def box(ax, x, y, width, height, text, colour):
    """A rounded box centred on (x, y) with ``text`` inside."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.06",
            facecolor=colour, edgecolor="black", zorder=3,
        )
    )  # fmt: skip
    ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=4)


def data_parallel_figure(out: Path) -> Path:
    """One step of data-parallel training on two devices (notebook 7)."""
    fig, ax = blank_axes(10, 3.6)
    box(ax, 0.8, 0, 1.5, 1.1, "one batch\n256 images", "#e0ecf4")
    box(ax, 6.6, 0, 2.0, 1.1, "all-reduce\ng = (g₀ + g₁) / 2", "#d9f0d3")
    for k, y in enumerate([1.05, -1.05]):
        side = 1 if y > 0 else -1
        arrow(ax, (1.6, 0.25 * side), (2.3, y))
        box(ax, 3.6, y, 2.5, 0.95, f"device {k}: a copy of w\n128 images → gradient g{'₀₁'[k]}",
            "#fde0c5")  # fmt: skip
        arrow(ax, (4.9, y), (5.55, 0.25 * side))
        arrow(ax, (7.65, 0.25 * side), (8.45, y))
        box(ax, 9.4, y, 1.8, 0.95, f"device {k}\nw ← w − η g", "#fde0c5")
    ax.text(9.4, 0, "the same step:\ncopies stay equal", ha="center", va="center", fontsize=9)
    ax.set_xlim(-0.1, 10.45)
    ax.set_ylim(-1.7, 1.7)
    return save(fig, out, "data_parallel.png", tight=False)


def make_all(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made = convolution_figures(out)
    made += [stride_figure(out), padding_figure(out), pooling_figure(out)]
    made += [neuron_figure(out), network_figure(out), data_parallel_figure(out)]
    return made


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into")
    args = parser.parse_args(argv)
    for path in make_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
