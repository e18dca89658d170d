using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests.Schema;

/// <summary>
/// Every schema error of issue 4, raised by the estimator's GetOutputSchema (SchemaShape), by Fit (full schema,
/// before any training) and by the fitted transformer's GetOutputSchema, each with a message that names the column
/// and what was expected.
/// </summary>
[Collection(FittedCollection.Name)]
public class SchemaValidationTests(FittedTransformerFixture fixture)
{
    private readonly MLContext _ml = new(seed: 1);

    public sealed class LabelOnly
    {
        public float Label { get; set; }
    }

    public sealed class TextPixels
    {
        public string Pixels { get; set; } = "";
    }

    public sealed class VariablePixels
    {
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    public sealed class RgbPixels
    {
        [VectorType(3, 8, 8)]
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    public sealed class PixelsAndFeatures
    {
        [VectorType(1, 8, 8)]
        public float[] Pixels { get; set; } = Array.Empty<float>();

        [VectorType(4)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class ImagePath
    {
        public string Path { get; set; } = "none.png";
    }

    public sealed class SizedImage
    {
        [ImageType(16, 12)]
        public MLImage? Pixels { get; set; }
    }

    private static void AssertMessage(Exception error, params string[] parts)
    {
        Assert.IsType<ArgumentOutOfRangeException>(error);
        foreach (var part in parts) Assert.Contains(part, error.Message);
    }

    private Exception EstimatorShapeError<TRow>(MoCoOptions? options = null) where TRow : class, new() =>
        Assert.ThrowsAny<Exception>(() => _ml.Transforms.PretrainMoCo(options ?? TestOptions.Tiny()).GetOutputSchema(SchemaShapes.Of<TRow>(_ml)));

    private Exception FitError<TRow>(IEnumerable<TRow> rows, MoCoOptions? options = null) where TRow : class =>
        Assert.ThrowsAny<Exception>(() => _ml.Transforms.PretrainMoCo(options ?? TestOptions.Tiny()).Fit(_ml.Data.LoadFromEnumerable(rows)));

    private Exception TransformerError<TRow>(IEnumerable<TRow> rows) where TRow : class =>
        Assert.ThrowsAny<Exception>(() => fixture.Transformer.GetOutputSchema(_ml.Data.LoadFromEnumerable(rows).Schema));

    [Fact]
    public void Missing_input_column()
    {
        var rows = new[] { new LabelOnly() };
        foreach (var error in new[] { EstimatorShapeError<LabelOnly>(), FitError(rows), TransformerError(rows) })
            AssertMessage(error, "Input column 'Pixels' was not found", "'Label'", "InputColumnName");
    }

    [Fact]
    public void Input_column_of_the_wrong_type()
    {
        var rows = new[] { new TextPixels() };
        foreach (var error in new[] { EstimatorShapeError<TextPixels>(), FitError(rows), TransformerError(rows) })
            AssertMessage(error, "Input column 'Pixels' has type", "String", "expected a known-size Vector<Single>", "MLImage");
    }

    [Fact]
    public void Input_vector_of_unknown_size()
    {
        var rows = new[] { new VariablePixels { Pixels = new float[64] } };
        foreach (var error in new[] { EstimatorShapeError<VariablePixels>(), FitError(rows), TransformerError(rows) })
            AssertMessage(error, "Input column 'Pixels' is a variable-size vector", "expected a known-size Vector<Single, C×H×W>");
    }

    [Fact]
    public void Input_vector_whose_size_does_not_match_the_declared_shape()
    {
        var options = TestOptions.Tiny();
        (options.ImageChannels, options.ImageHeight, options.ImageWidth) = (1, 16, 16);
        var error = FitError(new[] { new RgbPixels { Pixels = new float[192] } }, options);
        AssertMessage(error, "Input column 'Pixels'", "does not match the image shape 1×16×16 declared in MoCoOptions", "3×8×8");

        var flat = TestOptions.Tiny();
        (flat.ImageHeight, flat.ImageWidth) = (5, 5);
        AssertMessage(FitError(SyntheticImages.FlatRows(16), flat), "Input column 'Pixels'", "declared in MoCoOptions", "64 values per row is not C×5×5");
    }

    [Fact]
    public void Input_vector_whose_size_does_not_match_the_trained_shape()
    {
        var error = TransformerError(new[] { new RgbPixels { Pixels = new float[192] } });
        AssertMessage(error, "Input column 'Pixels'", "does not match the image shape 1×8×8 (64 values) the transformer was trained on", "3×8×8");
    }

    [Fact]
    public void Image_shape_that_neither_the_column_nor_the_options_give()
    {
        var flat = new[] { new FlatPixelRow { Pixels = new float[64] } };
        AssertMessage(FitError(flat), "The image shape of input column 'Pixels'", "one-dimensional vector of 64 values", "ImageHeight and ImageWidth");

        // LoadImages writes an image column of unknown size.
        var paths = _ml.Data.LoadFromEnumerable(new[] { new ImagePath() });
        var loaded = _ml.Transforms.LoadImages("Pixels", imageFolder: null, inputColumnName: "Path").Fit(paths).Transform(paths);
        AssertMessage(Assert.ThrowsAny<Exception>(() => _ml.Transforms.PretrainMoCo(TestOptions.Tiny()).Fit(loaded)),
            "Image column 'Pixels'", "no fixed size", "ResizeImages");
        var pipeline = _ml.Transforms.LoadImages("Pixels", imageFolder: null, inputColumnName: "Path").Append(_ml.Transforms.PretrainMoCo(TestOptions.Tiny()));
        AssertMessage(Assert.ThrowsAny<Exception>(() => pipeline.GetOutputSchema(SchemaShapes.Of<ImagePath>(_ml))),
            "Image column 'Pixels'", "no fixed size", "ResizeImages");
    }

    [Fact]
    public void Image_column_whose_size_does_not_match_the_declared_shape()
    {
        var options = TestOptions.Tiny();
        (options.ImageHeight, options.ImageWidth) = (8, 8);
        AssertMessage(EstimatorShapeError<SizedImage>(options), "Input column 'Pixels'", "image shape ?×8×8 declared in MoCoOptions", "16×12");
    }

    [Fact]
    public void Output_column_that_already_exists()
    {
        var rows = new[] { new PixelsAndFeatures { Pixels = new float[64], Features = new float[4] } };
        foreach (var error in new[] { EstimatorShapeError<PixelsAndFeatures>(), FitError(rows), TransformerError(rows) })
            AssertMessage(error, "Output column 'Features' (OutputColumnName) already exists", "Choose another OutputColumnName");

        var intoInput = TestOptions.Tiny();
        intoInput.OutputColumnName = "Pixels";
        AssertMessage(FitError(SyntheticImages.Rows(16), intoInput), "Output column 'Pixels' (OutputColumnName) already exists");
    }

    [Fact]
    public void Same_name_for_features_and_projection_is_rejected_when_the_options_are_given()
    {
        var options = TestOptions.Tiny();
        options.ProjectionColumnName = "Features";
        var error = Assert.Throws<ArgumentException>(() => _ml.Transforms.PretrainMoCo(options));
        Assert.Contains("ProjectionColumnName", error.Message);
        Assert.Contains("OutputColumnName", error.Message);
    }

    [Fact]
    public void A_valid_schema_gives_the_input_columns_plus_a_float_vector_column()
    {
        var options = TestOptions.Tiny();
        options.ProjectionColumnName = "Projection";
        var shape = _ml.Transforms.PretrainMoCo(options).GetOutputSchema(SchemaShapes.Of<PixelRow>(_ml));

        Assert.Equal(new[] { "Label", "Pixels", "Features", "Projection" }, shape.Select(c => c.Name));
        var features = shape.Single(c => c.Name == "Features");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, features.Kind);
        Assert.Equal(NumberDataViewType.Single, features.ItemType);
        Assert.False(features.IsKey);
    }

    [Fact]
    public void An_estimator_chain_reports_the_schema_error_before_training()
    {
        var pipeline = _ml.Transforms.CopyColumns("LabelCopy", "Label").Append(_ml.Transforms.PretrainMoCo(TestOptions.Tiny(epochs: 1000)));
        var error = Assert.ThrowsAny<Exception>(() => pipeline.Fit(_ml.Data.LoadFromEnumerable(new[] { new LabelOnly() })));
        AssertMessage(error, "Input column 'Pixels' was not found");
    }
}
