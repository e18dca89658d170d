using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Augmentations;

/// <summary>A sequence of batch augmentations applied in order (torchvision's <c>Compose</c>).</summary>
public sealed class AugmentationPipeline : IBatchAugmentation
{
    /// <summary>Creates a pipeline of <paramref name="ops"/>, applied first to last.</summary>
    /// <param name="ops">The ops; none may be null.</param>
    public AugmentationPipeline(IEnumerable<IBatchAugmentation> ops)
    {
        ArgumentNullException.ThrowIfNull(ops);
        var list = ops.ToList();
        if (list.Any(op => op is null)) throw new ArgumentException("A pipeline op is null.", nameof(ops));
        Ops = list.AsReadOnly();
    }

    /// <summary>Creates a pipeline of <paramref name="ops"/>, applied first to last.</summary>
    /// <param name="ops">The ops; none may be null.</param>
    public AugmentationPipeline(params IBatchAugmentation[] ops) : this((IEnumerable<IBatchAugmentation>)ops)
    {
    }

    /// <summary>The ops, in the order they are applied.</summary>
    public IReadOnlyList<IBatchAugmentation> Ops { get; }

    /// <inheritdoc />
    public Tensor Apply(Tensor images, torch.Generator generator)
    {
        BatchOps.CheckImages(images, generator);
        using var scope = NewDisposeScope();
        var x = images;
        foreach (var op in Ops) x = op.Apply(x, generator);
        return (ReferenceEquals(x, images) ? images.clone() : x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => $"[{string.Join(" → ", Ops)}]";
}
