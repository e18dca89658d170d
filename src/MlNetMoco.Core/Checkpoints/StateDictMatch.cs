using static TorchSharp.torch;

namespace MlNetMoco.Core.Checkpoints;

/// <summary>
/// Checks named tensors, one at a time, against a module's state dict (every parameter and buffer): the names must be
/// exactly the same, each once, with the same shapes and, when given, the same element types. Each check returns the
/// first problem as a sentence fragment whose subject is the tensors' source, e.g. "has tensor 'fc.weight' with shape
/// [16, 256], the model expects [32, 256]"; the caller prefixes the source and picks the exception type.
/// </summary>
internal sealed class StateDictMatch
{
    private readonly IReadOnlyDictionary<string, Tensor> _expected;
    private readonly string _target;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Starts a check against <paramref name="expected"/>.</summary>
    /// <param name="expected">The state dict the tensors must match (not copied; it must not change during the check).</param>
    /// <param name="target">What <paramref name="expected"/> belongs to, for messages, e.g. "the model".</param>
    public StateDictMatch(IReadOnlyDictionary<string, Tensor> expected, string target)
    {
        _expected = expected;
        _target = target;
    }

    /// <summary>
    /// Checks the next tensor. On success returns null and gives the matching tensor of the state dict in
    /// <paramref name="destination"/>; otherwise returns the problem.
    /// </summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="dtype">Its element type, or null to skip that check.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="destination">The state dict's tensor of that name (only meaningful on success).</param>
    public string? Check(string name, ScalarType? dtype, ReadOnlySpan<long> shape, out Tensor destination)
    {
        if (!_expected.TryGetValue(name, out destination!)) return $"has tensor '{name}', which {_target} does not have";
        if (!_seen.Add(name)) return $"has tensor '{name}' twice";
        if (dtype is { } given && given != destination.dtype)
            return $"has tensor '{name}' as {given}, {_target} expects {destination.dtype}";
        if (!shape.SequenceEqual(destination.shape))
            return $"has tensor '{name}' with shape {Format(shape)}, {_target} expects {Format(destination.shape)}";
        return null;
    }

    /// <summary>After the last <see cref="Check"/>: the first tensor of the state dict that was not given, or null.</summary>
    public string? Missing()
    {
        foreach (var name in _expected.Keys)
            if (!_seen.Contains(name)) return $"lacks tensor '{name}' of {_target}";
        return null;
    }

    /// <summary>
    /// Checks every tensor of <paramref name="given"/> (names and shapes, not element types) against
    /// <paramref name="expected"/>, then, when all match, copies them in without gradients. Returns the first problem
    /// (nothing is copied then), or null.
    /// </summary>
    /// <param name="expected">The state dict to fill.</param>
    /// <param name="given">The tensors to copy, on any device and of any element type.</param>
    /// <param name="target">What <paramref name="expected"/> belongs to, for messages.</param>
    public static string? TryCopyAll(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyList<(string Name, Tensor Tensor)> given, string target)
    {
        var match = new StateDictMatch(expected, target);
        var destinations = new Tensor[given.Count];
        for (int i = 0; i < given.Count; i++)
        {
            string? problem = match.Check(given[i].Name, null, given[i].Tensor.shape, out destinations[i]);
            if (problem is not null) return problem;
        }
        if (match.Missing() is { } missing) return missing;
        using var noGrad = no_grad();
        for (int i = 0; i < given.Count; i++) destinations[i].copy_(given[i].Tensor);
        return null;
    }

    /// <summary>A shape as "[a, b, c]".</summary>
    public static string Format(ReadOnlySpan<long> shape) => $"[{string.Join(", ", shape.ToArray())}]";
}
