namespace MlNetMoco.Schema;

/// <summary>
/// The exceptions of schema validation. Like ML.NET's own schema mismatches they are
/// <see cref="ArgumentOutOfRangeException"/>s of the parameter "inputSchema", and every message names the column
/// and says what was expected.
/// </summary>
internal static class SchemaErrors
{
    private const string Param = "inputSchema";

    public static ArgumentOutOfRangeException Missing(string column, IEnumerable<string> available) =>
        new(Param, $"Input column '{column}' was not found in the input schema (columns: {Join(available)}). " +
                   "MoCo expects a Vector<Single> of C×H×W pixels (ExtractPixels) or an MLImage column (LoadImages/ResizeImages); " +
                   "set InputColumnName to its name.");

    public static ArgumentOutOfRangeException WrongType(string column, object actualType) =>
        new(Param, $"Input column '{column}' has type {actualType}; expected a known-size Vector<Single> of C×H×W pixels " +
                   "(as ExtractPixels writes them) or an MLImage column (as LoadImages/ResizeImages write it).");

    public static ArgumentOutOfRangeException UnknownSize(string column, object actualType) =>
        new(Param, $"Input column '{column}' is a variable-size vector ({actualType}); expected a known-size Vector<Single, C×H×W>. " +
                   "Give it a fixed size ([VectorType(size)] or a SchemaDefinition with a VectorDataViewType of that size) or produce it with ExtractPixels.");

    public static ArgumentOutOfRangeException UnknownShape(string column, object actualType, string detail) =>
        new(Param, $"The image shape of input column '{column}' ({actualType}) is unknown: {detail} " +
                   "Set ImageChannels, ImageHeight and ImageWidth in MoCoOptions (or use the column produced by ExtractPixels, which carries its C×H×W dimensions).");

    public static ArgumentOutOfRangeException WrongSize(string column, object actualType, string expected) =>
        new(Param, $"Input column '{column}' ({actualType}) does not match the {expected}.");

    public static ArgumentOutOfRangeException UnknownImageSize(string column, object actualType) =>
        new(Param, $"Image column '{column}' ({actualType}) has no fixed size: add ResizeImages before MoCo, or set ImageHeight and ImageWidth in MoCoOptions.");

    public static ArgumentOutOfRangeException OutputClash(string output, string setting) =>
        new(Param, $"Output column '{output}' ({setting}) already exists in the input schema; MoCo does not overwrite columns. " +
                   $"Choose another {setting}, or drop the existing column first.");

    private static string Join(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list.Select(n => $"'{n}'"));
    }
}
