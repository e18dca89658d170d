namespace MlNetMoco.Core.Interop;

/// <summary>What <see cref="ImportedWeights.ApplyTo"/> loaded into a backbone.</summary>
/// <param name="TrunkTensors">Number of trunk tensors (everything but <c>fc.*</c>) copied.</param>
/// <param name="HeadLoaded">Whether the file's <c>fc</c> head was copied.</param>
/// <param name="HeadNote">Why the head was or was not loaded, in words.</param>
/// <param name="DefaultedBuffers">
/// BatchNorm <c>num_batches_tracked</c> counters the file lacks (files of PyTorch &lt; 0.4.1); the model keeps its own.
/// They do not affect features.
/// </param>
public sealed record WeightImportReport(int TrunkTensors, bool HeadLoaded, string HeadNote, IReadOnlyList<string> DefaultedBuffers);
