using MlNetMoco;
using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Methods;
using MlNetMoco.Core.Training;

namespace Microsoft.ML;

/// <summary>The MoCo entries of <c>mlContext.Transforms</c>.</summary>
public static class MoCoCatalog
{
    /// <summary>
    /// Pretrains an image encoder with MoCo (momentum contrast, self-supervised: no labels) when fitted, and appends
    /// its pooled representation of each image as a <c>Vector&lt;Single&gt;</c> column for downstream trainers.
    /// </summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="outputColumnName">The feature column to write. Default "Features".</param>
    /// <param name="inputColumnName">
    /// The input: a known-size <c>Vector&lt;Single&gt;</c> of C×H×W pixels in [0, 255] (<c>ExtractPixels</c> with its
    /// defaults) or an <c>MLImage</c> column (<c>LoadImages</c>, <c>ResizeImages</c>). Default "Pixels".
    /// </param>
    /// <param name="imageHeight">Image height; null takes it from the column. Default null.</param>
    /// <param name="imageWidth">Image width; null takes it from the column. Default null.</param>
    /// <param name="imageChannels">Image channels (1 or 3); null takes it from the column. Default null.</param>
    /// <param name="epochs">Passes over the images; null lets the Auto recipe choose (<see cref="MoCoOptions.Epochs"/>). Default null.</param>
    /// <param name="batchSize">Images per step, a multiple of 8 (the default BatchNormSplits); null lets the Auto recipe choose. Default null.</param>
    /// <param name="version">MoCo v1 (He et al. 2020), v2 (Chen et al. 2020) or v3 (Chen, Xie, He 2021: <see cref="MoCoV3MethodOptions"/>, LARS) recipe. Default v2.</param>
    /// <param name="backbone">Encoder architecture; null lets the Auto recipe choose (SmallConvNet for images up to 64 px on the CPU, else ResNet-18). Default null.</param>
    /// <param name="device">"auto" (CUDA when available), "cpu", "cuda" or "cuda:N". Default "auto".</param>
    /// <param name="seed">Seed of every random choice. Default 0.</param>
    /// <returns>The estimator; every other setting has its <see cref="MoCoOptions"/> default (the Auto recipe, standardised features).</returns>
    /// <remarks>The defaults are <see cref="MoCoOptions"/>'s, from one source (<see cref="MoCoDefaults"/>).</remarks>
    public static MoCoEstimator PretrainMoCo(this TransformsCatalog catalog,
        string outputColumnName = MoCoOptions.DefaultOutputColumnName,
        string inputColumnName = MoCoOptions.DefaultInputColumnName,
        int? imageHeight = null,
        int? imageWidth = null,
        int? imageChannels = null,
        int? epochs = null,
        int? batchSize = null,
        MoCoVersion version = MoCoDefaults.Version,
        BackboneKind? backbone = null,
        string device = MoCoDefaults.Device,
        int seed = MoCoDefaults.Seed)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MoCoEstimator(new MoCoOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            ImageHeight = imageHeight,
            ImageWidth = imageWidth,
            ImageChannels = imageChannels,
            Epochs = epochs,
            BatchSize = batchSize,
            Version = version,
            Backbone = backbone,
            Device = device,
            Seed = seed,
        });
    }

    /// <summary>
    /// Pretrains an image encoder with MoCo when fitted, with every setting of <paramref name="options"/>, and appends
    /// its representation of each image as a <c>Vector&lt;Single&gt;</c> column.
    /// </summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="options">The settings (copied).</param>
    /// <returns>The estimator.</returns>
    /// <remarks>
    /// A catalog extension cannot reach its <c>MLContext</c> (ML.NET keeps that internal), so messages go to
    /// <see cref="MoCoOptions.Log"/>; to also see them in <c>MLContext.Log</c>, create the estimator with
    /// <see cref="MoCoEstimator(MLContext, MoCoOptions)"/>.
    /// </remarks>
    public static MoCoEstimator PretrainMoCo(this TransformsCatalog catalog, MoCoOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MoCoEstimator(options);
    }
}
