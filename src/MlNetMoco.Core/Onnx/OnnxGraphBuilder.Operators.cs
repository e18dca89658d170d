using MlNetMoco.Core.Onnx.Protos;

namespace MlNetMoco.Core.Onnx;

// The operators: one method per ONNX operator the exporters use, each returning the name of the value it defines.
public sealed partial class OnnxGraphBuilder
{
    /// <summary>
    /// <c>Conv</c>: <paramref name="weight"/> is [M, C/group, kH, kW]; <paramref name="pads"/> are in ONNX order
    /// (all begins, then all ends — see <see cref="SymmetricPads"/>). <c>kernel_shape</c> is written when the weight
    /// is an initializer of this builder.
    /// </summary>
    public string Conv(string input, string weight, string? bias = null, long[]? strides = null, long[]? pads = null,
        long group = 1, long[]? dilations = null, string? output = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(group, 1);
        var attributes = new List<AttributeProto>();
        if (InitializerShape(weight) is { Count: > 2 } w)
        {
            int spatial = w.Count - 2;
            attributes.Add(AttributeProto.IntList("kernel_shape", w.Skip(2)));
            CheckLength(strides, spatial, nameof(strides));
            CheckLength(dilations, spatial, nameof(dilations));
            CheckLength(pads, 2 * spatial, nameof(pads));
        }
        if (strides is not null) attributes.Add(AttributeProto.IntList("strides", strides));
        if (pads is not null) attributes.Add(AttributeProto.IntList("pads", pads));
        if (dilations is not null) attributes.Add(AttributeProto.IntList("dilations", dilations));
        attributes.Add(AttributeProto.Int("group", group));
        string[] inputs = bias is null ? [input, weight] : [input, weight, bias];
        return AddNode("Conv", inputs, attributes, output);
    }

    /// <summary><c>BatchNormalization</c> in inference form: (x − mean)/√(var + ε)·scale + bias with the stored statistics.</summary>
    public string BatchNormalization(string input, string scale, string bias, string mean, string variance,
        float epsilon = 1e-5f, string? output = null) =>
        AddNode("BatchNormalization", [input, scale, bias, mean, variance], [AttributeProto.Float("epsilon", epsilon)], output);

    /// <summary><c>Relu</c>.</summary>
    public string Relu(string input, string? output = null) => AddNode("Relu", [input], null, output);

    /// <summary><c>MaxPool</c> (one output); <paramref name="pads"/> in ONNX order (see <see cref="SymmetricPads"/>).</summary>
    public string MaxPool(string input, long[] kernelShape, long[]? strides = null, long[]? pads = null,
        bool ceilMode = false, long[]? dilations = null, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(kernelShape);
        CheckLength(strides, kernelShape.Length, nameof(strides));
        CheckLength(dilations, kernelShape.Length, nameof(dilations));
        CheckLength(pads, 2 * kernelShape.Length, nameof(pads));
        var attributes = new List<AttributeProto> { AttributeProto.IntList("kernel_shape", kernelShape) };
        if (strides is not null) attributes.Add(AttributeProto.IntList("strides", strides));
        if (pads is not null) attributes.Add(AttributeProto.IntList("pads", pads));
        if (dilations is not null) attributes.Add(AttributeProto.IntList("dilations", dilations));
        if (ceilMode) attributes.Add(AttributeProto.Int("ceil_mode", 1));
        return AddNode("MaxPool", [input], attributes, output);
    }

    /// <summary><c>Add</c> (numpy broadcasting).</summary>
    public string Add(string a, string b, string? output = null) => AddNode("Add", [a, b], null, output);

    /// <summary><c>Sub</c>: a − b (numpy broadcasting).</summary>
    public string Sub(string a, string b, string? output = null) => AddNode("Sub", [a, b], null, output);

    /// <summary><c>Mul</c> (numpy broadcasting).</summary>
    public string Mul(string a, string b, string? output = null) => AddNode("Mul", [a, b], null, output);

    /// <summary><c>Div</c>: a / b (numpy broadcasting).</summary>
    public string Div(string a, string b, string? output = null) => AddNode("Div", [a, b], null, output);

    /// <summary><c>GlobalAveragePool</c>: [N, C, H, W] → [N, C, 1, 1].</summary>
    public string GlobalAveragePool(string input, string? output = null) => AddNode("GlobalAveragePool", [input], null, output);

    /// <summary><c>Flatten</c>: dimensions before <paramref name="axis"/> form the rows, the rest the columns.</summary>
    public string Flatten(string input, long axis = 1, string? output = null) =>
        AddNode("Flatten", [input], [AttributeProto.Int("axis", axis)], output);

    /// <summary>
    /// <c>Gemm</c>: α·A·Bᵀ + β·C with <paramref name="transB"/> (the default, matching a torch <c>Linear</c> weight
    /// [out, in]); <paramref name="c"/> is the optional bias.
    /// </summary>
    public string Gemm(string a, string b, string? c = null, bool transB = true, float alpha = 1f, float beta = 1f, string? output = null)
    {
        var attributes = new List<AttributeProto>();
        if (alpha != 1f) attributes.Add(AttributeProto.Float("alpha", alpha));
        if (beta != 1f) attributes.Add(AttributeProto.Float("beta", beta));
        if (transB) attributes.Add(AttributeProto.Int("transB", 1));
        string[] inputs = c is null ? [a, b] : [a, b, c];
        return AddNode("Gemm", inputs, attributes, output);
    }

    /// <summary><c>Reshape</c> to the int64 shape held by value <paramref name="shape"/> (−1 infers one dimension, 0 copies it).</summary>
    public string Reshape(string data, string shape, string? output = null) => AddNode("Reshape", [data, shape], null, output);

    /// <summary>
    /// <c>Reshape</c> to a constant shape, stored as an int64 initializer. 0 copies the input's dimension and −1
    /// infers one; prefer 0 for the batch (e.g. [0, C, H, W]) so shape inference keeps the symbolic "N".
    /// </summary>
    public string Reshape(string data, long[] shape, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        string shapeName = AddInt64Initializer(FreshName((output ?? "Reshape") + "_shape"), shape, shape.Length);
        return Reshape(data, shapeName, output);
    }

    /// <summary><c>MatMul</c>: numpy matrix product (batched over leading dimensions).</summary>
    public string MatMul(string a, string b, string? output = null) => AddNode("MatMul", [a, b], null, output);

    /// <summary><c>Transpose</c> with the permutation <paramref name="perm"/> (output axis i is input axis perm[i]).</summary>
    public string Transpose(string input, long[] perm, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(perm);
        return AddNode("Transpose", [input], [AttributeProto.IntList("perm", perm)], output);
    }

    /// <summary><c>Softmax</c> along <paramref name="axis"/> (opset 13+: that axis alone).</summary>
    public string Softmax(string input, long axis = -1, string? output = null) =>
        AddNode("Softmax", [input], [AttributeProto.Int("axis", axis)], output);

    /// <summary><c>Erf</c>, the error function, element-wise.</summary>
    public string Erf(string input, string? output = null) => AddNode("Erf", [input], null, output);

    /// <summary>
    /// <c>LayerNormalization</c> (opset 17) over the axes from <paramref name="axis"/> on: (x − mean)/√(var + ε)·scale + bias,
    /// as torch's <c>LayerNorm</c> over the last dimension with the default axis −1.
    /// </summary>
    public string LayerNormalization(string input, string scale, string bias, long axis = -1, float epsilon = 1e-5f, string? output = null) =>
        AddNode("LayerNormalization", [input, scale, bias], [AttributeProto.Int("axis", axis), AttributeProto.Float("epsilon", epsilon)], output);

    /// <summary><c>Concat</c> of <paramref name="inputs"/> along <paramref name="axis"/>.</summary>
    public string Concat(IEnumerable<string> inputs, long axis, string? output = null) =>
        AddNode("Concat", inputs, [AttributeProto.Int("axis", axis)], output);

    /// <summary><c>Gather</c>: the entries of <paramref name="data"/> along <paramref name="axis"/> at <paramref name="indices"/> (a rank-0 index drops the axis).</summary>
    public string Gather(string data, string indices, long axis = 0, string? output = null) =>
        AddNode("Gather", [data, indices], [AttributeProto.Int("axis", axis)], output);

    /// <summary><c>Shape</c>: the int64 shape of <paramref name="input"/>, dimensions <paramref name="start"/> to <paramref name="end"/> (exclusive; null: to the last).</summary>
    public string Shape(string input, long start = 0, long? end = null, string? output = null)
    {
        var attributes = new List<AttributeProto>();
        if (start != 0) attributes.Add(AttributeProto.Int("start", start));
        if (end is { } e) attributes.Add(AttributeProto.Int("end", e));
        return AddNode("Shape", [input], attributes, output);
    }

    /// <summary><c>Expand</c>: broadcasts <paramref name="input"/> to the int64 shape held by value <paramref name="shape"/>.</summary>
    public string Expand(string input, string shape, string? output = null) => AddNode("Expand", [input, shape], null, output);

    /// <summary>ONNX pads (all begins, then all ends) for symmetric padding <paramref name="perAxis"/> (torch's <c>padding</c>).</summary>
    public static long[] SymmetricPads(params long[] perAxis)
    {
        ArgumentNullException.ThrowIfNull(perAxis);
        return [.. perAxis, .. perAxis];
    }
}
