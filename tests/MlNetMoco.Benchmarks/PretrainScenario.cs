using MlNetMoco.Core.Backbones;
using MlNetMoco.Core.Data;

namespace MlNetMoco.Benchmarks;

/// <summary>One backbone at its typical size for the pretraining benchmark.</summary>
/// <param name="Id">Short id, the second part of the case id.</param>
/// <param name="Name">Human-readable backbone name.</param>
/// <param name="Backbone">The architecture (BatchNormSplits is set by the loop's options).</param>
/// <param name="Shape">Input images.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="StepsPerEpoch">Steps per epoch: the data set holds BatchSize·StepsPerEpoch random images (and the queue as many keys).</param>
internal sealed record PretrainScenario(string Id, string Name, BackboneSpec Backbone, ImageShape Shape, int BatchSize, int StepsPerEpoch)
{
    /// <summary>Number of images in the data set (and the queue size K, which the loop clamps to it).</summary>
    public int ImageCount => BatchSize * StepsPerEpoch;
}
