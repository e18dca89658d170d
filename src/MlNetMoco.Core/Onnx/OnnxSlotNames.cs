using MlNetMoco.Core.Onnx.Protos;

namespace MlNetMoco.Core.Onnx;

/// <summary>
/// Names the slots of a vector output the way ML.NET's ONNX export does, so ML.NET's <c>OnnxTransformer</c> gives
/// that column a <c>SlotNames</c> annotation (as ML.NET trainers give their <c>Score</c> column the class names): a
/// node named <c>mlnet.{column}.SlotNames</c> whose <c>keys_strings</c> attribute lists the names. The node is an
/// ONNX-ML <c>LabelEncoder</c> (valid for any ONNX runtime) on a one-element text constant; its output is unused.
/// </summary>
public static class OnnxSlotNames
{
    /// <summary>The node name ML.NET's OnnxTransformer looks for: <c>mlnet.{column}.SlotNames</c>.</summary>
    public static string NodeName(string column) => $"mlnet.{column}.SlotNames";

    /// <summary>Adds the slot-name node of output <paramref name="column"/> holding <paramref name="names"/> (in slot order).</summary>
    /// <exception cref="ArgumentException">No names, or a value of the graph already uses one of the node's names.</exception>
    public static void Write(OnnxGraphBuilder graph, string column, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentException.ThrowIfNullOrWhiteSpace(column);
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0) throw new ArgumentException($"Slot names of '{column}': at least one name is needed.", nameof(names));
        string input = graph.AddInitializer(TensorProto.FromStrings($"mlnet.{column}.unusedInput", [names[0]], 1));
        graph.AddNode(OnnxModelWriter.MlDomain, "LabelEncoder", NodeName(column), [input],
            [AttributeProto.StringList("keys_strings", names), AttributeProto.IntList("values_int64s", Enumerable.Range(0, names.Count).Select(i => (long)i))],
            $"mlnet.{column}.unusedOutput");
    }
}
