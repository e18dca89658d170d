using MlNetMoco.Core.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMoco.Core.Heads;

/// <summary>
/// Projection heads that map the backbone's pooled features to the contrastive embedding. They sit in the
/// backbone's <c>fc</c> slot, so parameter names match facebookresearch/moco (<c>fc.weight</c> for v1,
/// <c>fc.0.*</c> and <c>fc.2.*</c> for v2).
/// </summary>
public static class ProjectionHeads
{
    /// <summary>MoCo v1 head: one linear layer featureDim → dim (He et al. 2019; dim 128).</summary>
    public static nn.Module<Tensor, Tensor> Linear(int featureDim, int dim) => nn.Linear(featureDim, dim);

    /// <summary>
    /// MoCo v2 head: Linear(featureDim, featureDim) → ReLU → Linear(featureDim, dim) (Chen et al. 2020; hidden = feature dim).
    /// </summary>
    public static nn.Module<Tensor, Tensor> Mlp(int featureDim, int dim) =>
        nn.Sequential(nn.Linear(featureDim, featureDim), nn.ReLU(), nn.Linear(featureDim, dim));

    /// <summary>The head of <paramref name="version"/>.</summary>
    public static nn.Module<Tensor, Tensor> For(MoCoVersion version, int featureDim, int dim) =>
        version == MoCoVersion.V1 ? Linear(featureDim, dim) : Mlp(featureDim, dim);
}
