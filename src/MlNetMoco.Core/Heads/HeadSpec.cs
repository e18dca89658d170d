using System.Text.Json.Serialization;
using MlNetMoco.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Heads;

/// <summary>
/// A head declared as a list of blocks (<see cref="LinearLayer"/>, <see cref="BatchNorm1dLayer"/>,
/// <see cref="ReluLayer"/>), as lightly declares its heads. <see cref="Build"/> makes the TorchSharp module with torch's
/// names: a single linear layer is the module itself (<c>fc.weight</c>, <c>fc.bias</c> in a backbone's <c>fc</c> slot,
/// as facebookresearch/moco's v1 head), several blocks are an <c>nn.Sequential</c> numbered from 0 (<c>fc.0.weight</c>,
/// <c>fc.2.bias</c> for MoCo v2; <c>fc.1.running_mean</c> for a BatchNorm1d). Encoder files store the spec, and the
/// ONNX exporter writes any head from it.
/// </summary>
public sealed record HeadSpec
{
    /// <summary>A head of <paramref name="layers"/>, applied first to last (at least one).</summary>
    /// <param name="layers">The blocks; the first must be a <see cref="LinearLayer"/> or a <see cref="BatchNorm1dLayer"/> (so the input width is known).</param>
    /// <exception cref="ArgumentException">No blocks, a null block, a first block without a width, or widths that do not chain.</exception>
    [JsonConstructor]
    public HeadSpec(IReadOnlyList<HeadLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("A head needs at least one layer.", nameof(layers));
        if (layers.Any(l => l is null)) throw new ArgumentException("A head layer is null.", nameof(layers));
        Layers = layers.ToArray();
        InputDim = Layers[0] switch
        {
            LinearLayer linear => linear.InFeatures,
            BatchNorm1dLayer bn => bn.Features,
            var first => throw new ArgumentException($"A head must start with a Linear or BatchNorm1d layer (which fixes its input width), not {first}.", nameof(layers)),
        };
        int width = InputDim;
        for (int i = 0; i < Layers.Count; i++)
        {
            try { width = Layers[i].OutputDim(width); }
            catch (ArgumentException e) { throw new ArgumentException($"Head layer {i}: {e.Message}", nameof(layers), e); }
        }
        OutputDim = width;
    }

    /// <summary>The blocks, applied first to last.</summary>
    public IReadOnlyList<HeadLayer> Layers { get; }

    /// <summary>Width of the head's input (the backbone's feature dimension).</summary>
    [JsonIgnore]
    public int InputDim { get; }

    /// <summary>Width of the head's output (the projection dimension, or the number of classes of a classifier).</summary>
    [JsonIgnore]
    public int OutputDim { get; }

    /// <summary>MoCo v1's head (He et al. 2019): one linear layer <paramref name="inputDim"/> → <paramref name="outputDim"/> (128 in the paper).</summary>
    /// <param name="inputDim">The backbone's feature dimension.</param>
    /// <param name="outputDim">The embedding dimension.</param>
    /// <param name="bias">Whether the layer has a bias. Default true.</param>
    public static HeadSpec Linear(int inputDim, int outputDim, bool bias = true) => new([new LinearLayer(inputDim, outputDim, bias)]);

    /// <summary>
    /// A multi-layer perceptron of <paramref name="layers"/> linear layers: inputDim → hiddenDim → … → outputDim, each
    /// hidden layer followed by an optional BatchNorm1d and a ReLU. MoCo v2's head (Chen et al. 2020) is
    /// <c>Mlp(d, d, 128)</c>; MoCo v3's projector (Chen et al. 2021) is <c>Mlp(d, 4096, 256, 3, batchNorm: true,
    /// lastBatchNorm: true, bias: false)</c> and its predictor <c>Mlp(256, 4096, 256, 2, batchNorm: true, bias: false)</c>.
    /// </summary>
    /// <param name="inputDim">Width of the input.</param>
    /// <param name="hiddenDim">Width of the hidden layers.</param>
    /// <param name="outputDim">Width of the output.</param>
    /// <param name="layers">Number of linear layers (at least 1). Default 2.</param>
    /// <param name="batchNorm">A BatchNorm1d (affine) after each hidden linear layer. Default false (MoCo v2).</param>
    /// <param name="lastBatchNorm">A BatchNorm1d without affine parameters after the last linear layer. Default false.</param>
    /// <param name="bias">Whether the linear layers have a bias. Default true.</param>
    public static HeadSpec Mlp(int inputDim, int hiddenDim, int outputDim, int layers = 2, bool batchNorm = false, bool lastBatchNorm = false, bool bias = true)
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "An MLP needs at least one linear layer.");
        var blocks = new List<HeadLayer>();
        for (int l = 0; l < layers; l++)
        {
            bool last = l == layers - 1;
            int width = last ? outputDim : hiddenDim;
            blocks.Add(new LinearLayer(l == 0 ? inputDim : hiddenDim, width, bias));
            if (!last)
            {
                if (batchNorm) blocks.Add(new BatchNorm1dLayer(width));
                blocks.Add(new ReluLayer());
            }
            else if (lastBatchNorm)
            {
                blocks.Add(new BatchNorm1dLayer(width, Affine: false));
            }
        }
        return new HeadSpec(blocks);
    }

    /// <summary>The projection head of a MoCo recipe: v1 <see cref="Linear"/>, v2 a 2-layer MLP whose hidden width is the feature dimension.</summary>
    /// <param name="version">The recipe.</param>
    /// <param name="featureDim">The backbone's feature dimension.</param>
    /// <param name="projectionDim">The embedding dimension (128 in both papers).</param>
    public static HeadSpec ForVersion(MoCoVersion version, int featureDim, int projectionDim) => version switch
    {
        MoCoVersion.V1 => Linear(featureDim, projectionDim),
        MoCoVersion.V2 => Mlp(featureDim, featureDim, projectionDim),
        MoCoVersion.V3 => throw new ArgumentOutOfRangeException(nameof(version), version, "MoCo v3's projector has its own widths: MoCoV3MethodOptions.ProjectorFor."),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unknown MoCo version."),
    };

    /// <summary>Throws unless the head takes <paramref name="featureDim"/> features.</summary>
    /// <param name="featureDim">The backbone's feature dimension.</param>
    /// <returns>This spec.</returns>
    /// <exception cref="ArgumentException">The widths differ.</exception>
    public HeadSpec Validate(int featureDim)
    {
        if (InputDim != featureDim)
            throw new ArgumentException($"The head {this} takes {InputDim} features but the backbone gives {featureDim}.");
        return this;
    }

    /// <summary>
    /// A freshly initialised module (PyTorch's default initialisation, torch's global generator): the layer itself for
    /// a single block, otherwise an <c>nn.Sequential</c> whose blocks are named "0", "1", ….
    /// </summary>
    public nn.Module<Tensor, Tensor> Build() =>
        Layers.Count == 1 ? Layers[0].Build() : nn.Sequential(Layers.Select(l => l.Build()).ToArray());

    /// <summary>
    /// The torch name prefix of block <paramref name="index"/> inside a backbone's <c>fc</c> slot: "fc" for a single
    /// block, "fc.{index}" otherwise.
    /// </summary>
    /// <param name="index">The block's position.</param>
    public string TorchName(int index) => Layers.Count == 1 ? "fc" : $"fc.{index}";

    /// <summary>Value equality: the same blocks in the same order.</summary>
    /// <param name="other">The spec to compare with.</param>
    public bool Equals(HeadSpec? other) => other is not null && Layers.SequenceEqual(other.Layers);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var layer in Layers) hash.Add(layer);
        return hash.ToHashCode();
    }

    /// <summary>The blocks, e.g. "Linear(512→512) → ReLU → Linear(512→128)".</summary>
    public override string ToString() => string.Join(" → ", Layers);
}
