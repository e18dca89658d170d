namespace MlNetMoco.Core.Interop;

/// <summary>What <see cref="ImportedWeights.ApplyTo"/> does with the head (<c>fc.*</c>) of imported weights; the trunk is always loaded strictly.</summary>
public enum HeadPolicy
{
    /// <summary>Keep the model's own head; the file's <c>fc.*</c> tensors are ignored (e.g. a 1000-class classifier, or moco-v3's BatchNorm MLP).</summary>
    Drop,

    /// <summary>Load the file's head when its tensors have exactly the model's names and shapes; otherwise keep the model's (the report says why).</summary>
    LoadIfMatching,

    /// <summary>Load the file's head; a missing, extra or mis-shaped head tensor is an error.</summary>
    Require,
}
