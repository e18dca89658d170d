// Deliberately outside the MlNetMoco namespace and with only the using lines README.md shows, so this file
// compiles only while the catalog entry is reachable the way the README says.
using Microsoft.ML;
using MlNetMoco.Core.Backbones;

namespace ReadmeSnippets;

public class MoCoCatalogNamespaceTests
{
    public sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";

        public string Label { get; set; } = "";
    }

    [Fact]
    public void The_README_pipeline_compiles_with_the_README_usings_and_propagates_its_schema()
    {
        var ml = new MLContext(seed: 0);
        string imageFolder = Path.GetTempPath();                        // LoadImages wants an existing folder
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder, "ImagePath")
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
            .Append(ml.Transforms.PretrainMoCo("Features", "Pixels", epochs: 100, batchSize: 128,
                                               backbone: BackboneKind.ResNet18))
            .AppendCacheCheckpoint(ml)
            .Append(ml.Transforms.Conversion.MapValueToKey("LabelKey", "Label"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy("LabelKey", "Features"));

        Assert.Equal("Microsoft.ML", typeof(MoCoCatalog).Namespace);
        var schema = pipeline.GetOutputSchema(MlNetMoco.Tests.TestSupport.SchemaShapes.Of<ImageRow>(ml)); // rows: { ImagePath; Label }
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, schema.Single(c => c.Name == "Features").Kind);
        Assert.Contains(schema, c => c.Name == "PredictedLabel");
    }
}
