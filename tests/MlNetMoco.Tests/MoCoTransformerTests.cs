using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMoco.Tests.TestSupport;

namespace MlNetMoco.Tests;

[Collection(FittedCollection.Name)]
public class MoCoTransformerTests(FittedTransformerFixture fixture)
{
    private readonly MLContext _ml = fixture.MLContext;

    private static List<float[]> Features(IDataView view, string column = "Features") =>
        view.GetColumn<float[]>(column).ToList();

    [Fact]
    public void Transform_appends_a_known_size_feature_column_and_passes_other_columns_through()
    {
        var output = fixture.Transformer.Transform(fixture.Data);

        var features = output.Schema["Features"];
        var type = Assert.IsType<VectorDataViewType>(features.Type);
        Assert.Equal(NumberDataViewType.Single, type.ItemType);
        Assert.Equal(256, type.Size); // SmallConvNet
        Assert.Equal(256, fixture.Transformer.FeatureDimension);
        Assert.Equal(128, ((VectorDataViewType)output.Schema["Projection"].Type).Size);
        Assert.NotNull(output.Schema.GetColumnOrNull("Label"));
        Assert.NotNull(output.Schema.GetColumnOrNull("Pixels"));

        var rows = _ml.Data.CreateEnumerable<FeatureRow>(output, reuseRowObject: false).ToList();
        Assert.Equal(fixture.Rows.Count, rows.Count);
        Assert.Equal(fixture.Rows.Select(r => r.Label), rows.Select(r => r.Label));
        Assert.All(rows, r => Assert.Equal(256, r.Features.Length));
        Assert.All(rows, r => Assert.All(r.Features, v => Assert.True(float.IsFinite(v))));
        Assert.Contains(rows, r => r.Features.Any(v => v != 0));
    }

    [Fact]
    public void Dispose_releases_the_encoder_and_later_use_throws()
    {
        var transformer = fixture.Copy();
        transformer.Dispose();
        transformer.Dispose(); // idempotent

        Assert.Throws<ObjectDisposedException>(() => transformer.Transform(fixture.Data));
        Assert.Throws<ObjectDisposedException>(() => transformer.Save(new MemoryStream()));
    }

    [Fact]
    public void The_training_history_has_one_report_per_epoch()
    {
        var history = fixture.Transformer.TrainingHistory;
        var epoch = Assert.Single(history);
        Assert.True(epoch.EndOfEpoch);
        Assert.True(double.IsFinite(epoch.Loss));
    }
}
