using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Methods;

/// <summary>Starts a method's encoder from a trained one: fine-tuning, or pretraining from weights.</summary>
public static class EncoderInitialization
{
    /// <summary>
    /// Copies every backbone tensor (parameters and BatchNorm statistics; all but the head <c>fc.*</c>) of
    /// <paramref name="source"/> into <paramref name="target"/>, without gradients. The head keeps its own
    /// initialisation.
    /// </summary>
    /// <param name="target">The encoder to start (any BatchNorm splits: the names are the same).</param>
    /// <param name="source">The trained encoder.</param>
    /// <exception cref="ArgumentException">The architectures differ; the first mismatching tensor is named.</exception>
    public static void CopyBackbone(Backbone target, TrainedEncoder source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        static bool IsHead(string name) => name == "fc" || name.StartsWith("fc.", StringComparison.Ordinal);
        var destination = target.state_dict().Where(kv => !IsHead(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var given = source.Network.state_dict().Where(kv => !IsHead(kv.Key)).ToList();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in given)
        {
            if (!destination.TryGetValue(name, out var t) || !t.shape.SequenceEqual(tensor.shape))
                throw new ArgumentException(
                    $"The initial encoder ({source.Backbone.Kind}) does not match the backbone being trained: its tensor '{name}' has no counterpart of that shape.",
                    nameof(source));
            t.copy_(tensor);
        }
        if (given.Count != destination.Count)
            throw new ArgumentException($"The initial encoder ({source.Backbone.Kind}) lacks {destination.Count - given.Count} backbone tensor(s) of the backbone being trained.", nameof(source));
    }
}
