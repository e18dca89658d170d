using Microsoft.ML;

namespace MlNetMoco.Tests.TestSupport;

/// <summary>
/// SchemaShapes for estimator tests. SchemaShape.Create(DataViewSchema) is internal to ML.NET, so the shape of a row
/// type is taken from a CustomMapping that produces that type from nothing.
/// </summary>
public static class SchemaShapes
{
    public static SchemaShape Of<TRow>(MLContext ml) where TRow : class, new() =>
        ml.Transforms.CustomMapping<NoColumns, TRow>((_, _) => { }, contractName: null)
            .GetOutputSchema(new SchemaShape(Array.Empty<SchemaShape.Column>()));

    public sealed class NoColumns
    {
    }
}
