using Microsoft.ML;
using MlNetMoco.Core.Data;
using MlNetMoco.Core.Inference;
using MlNetMoco.Core.Interop;

namespace MlNetMoco.FineTuning;

/// <summary>
/// Where fine-tuning starts: the encoder of <see cref="FineTuneMoCoOptions.Pretrained"/> (borrowed), the encoder in
/// <see cref="FineTuneMoCoOptions.PretrainedPath"/> (a saved MoCo transformer, an encoder file, or PyTorch/safetensors
/// weights; loaded on the CPU and owned here), or none (random initialisation).
/// </summary>
internal sealed class StartingEncoder : IDisposable
{
    private readonly IDisposable? _owned;

    private StartingEncoder(TrainedEncoder? encoder, IDisposable? owned, string description)
    {
        Encoder = encoder;
        _owned = owned;
        Description = description;
    }

    /// <summary>The encoder whose backbone starts training, or null for random initialisation.</summary>
    public TrainedEncoder? Encoder { get; }

    /// <summary>Where it came from, for the log.</summary>
    public string Description { get; }

    /// <summary>Resolves the starting point of <paramref name="options"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="shape">The training images' shape (for weight files that do not hold it).</param>
    /// <exception cref="ArgumentException">The file cannot be read as any encoder (the message names PretrainedPath).</exception>
    public static StartingEncoder Resolve(FineTuneMoCoOptions options, ImageShape? shape)
    {
        if (options.Pretrained is { } moco) return new StartingEncoder(moco.Encoder, null, "the given MoCo transformer's encoder");
        if (options.PretrainedPath is not { } path) return new StartingEncoder(null, null, "random initialisation");
        if (!File.Exists(path))
            throw new ArgumentException($"FineTuneMoCoOptions.PretrainedPath = '{path}' is not valid: the file does not exist.", nameof(FineTuneMoCoOptions.PretrainedPath));
        try
        {
            var transformer = MoCoTransformer.Load(new MLContext(seed: 0), path, "cpu");
            return new StartingEncoder(transformer.Encoder, transformer, $"the MoCo transformer saved in '{path}'");
        }
        catch (InvalidDataException)
        {
        }
        try
        {
            var encoder = EncoderFiles.Load(path, "cpu");
            return new StartingEncoder(encoder, encoder, $"the encoder file '{path}'");
        }
        catch (InvalidDataException)
        {
        }
        if (shape is null)
            throw new ArgumentException($"FineTuneMoCoOptions.PretrainedPath = '{path}' holds weights without an image shape: set ImageChannels, ImageHeight and ImageWidth.",
                nameof(FineTuneMoCoOptions.PretrainedPath));
        try
        {
            var imported = PretrainedEncoder.Create(path, shape.Value, normalization: null, "cpu");
            return new StartingEncoder(imported, imported, $"the weights in '{path}'");
        }
        catch (InvalidDataException e)
        {
            throw new ArgumentException($"FineTuneMoCoOptions.PretrainedPath = '{path}' is not valid: {e.Message}", nameof(FineTuneMoCoOptions.PretrainedPath), e);
        }
    }

    /// <summary>Releases an encoder loaded from a file.</summary>
    public void Dispose() => _owned?.Dispose();
}
