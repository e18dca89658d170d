namespace MlNetMoco.Data;

/// <summary>
/// The data view could not produce the input value of a row: the image getter failed (a corrupt, missing or
/// unreadable file behind <c>LoadImages</c>) or gave no image. Fit skips such rows; readers that cannot skip (the
/// k-NN monitor, whose labels are read separately) let it propagate as the <see cref="ArgumentException"/> it is.
/// </summary>
internal sealed class UnreadableRowException : ArgumentException
{
    public UnreadableRowException(long row, string columnName, string reason, Exception? inner = null)
        : base($"Row {row} of column '{columnName}' cannot be read: {reason}", inner)
    {
        Row = row;
        Reason = reason;
    }

    /// <summary>The row's position in the data view.</summary>
    public long Row { get; }

    /// <summary>Why, in a few words (the data view's own message).</summary>
    public string Reason { get; }
}
