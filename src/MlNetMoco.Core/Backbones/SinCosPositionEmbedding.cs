namespace MlNetMoco.Core.Backbones;

/// <summary>
/// The fixed 2-D sine-cosine position embedding of MoCo v3's ViTs (facebookresearch/moco-v3 <c>vits.py</c>,
/// <c>build_2d_sincos_position_embedding</c>): for the patch in row r and column c of a g×g grid (tokens row-major)
/// and F = D/4 frequencies ω_k = 1/10000^(k/F), the D values are [sin(r·ω), cos(r·ω), sin(c·ω), cos(c·ω)]; the class
/// token's position is a zero vector, placed first. (vits.py names its first half "w", but its <c>meshgrid</c>
/// indexing makes that coordinate the patch row; the values here equal vits.py's.)
/// </summary>
public static class SinCosPositionEmbedding
{
    /// <summary>The temperature of the frequencies: 10000.</summary>
    public const double Temperature = 10000.0;

    /// <summary>The (1 + g²)×D embedding, row-major, class token first.</summary>
    /// <param name="gridSize">Patches per side g.</param>
    /// <param name="embedDim">Width D, a multiple of 4.</param>
    /// <exception cref="ArgumentException">D is not a multiple of 4, or g is not positive.</exception>
    public static float[] Build(int gridSize, int embedDim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gridSize, 1);
        if (embedDim <= 0 || embedDim % 4 != 0)
            throw new ArgumentException($"The width {embedDim} must be a positive multiple of 4 for the 2-D sin-cos position embedding.", nameof(embedDim));
        int f = embedDim / 4;
        var omega = new double[f];
        for (int k = 0; k < f; k++) omega[k] = 1.0 / Math.Pow(Temperature, (double)k / f);
        var values = new float[(1 + gridSize * gridSize) * embedDim]; // row 0: the class token, zeros
        for (int r = 0; r < gridSize; r++)
            for (int c = 0; c < gridSize; c++)
            {
                int row = (1 + r * gridSize + c) * embedDim;
                for (int k = 0; k < f; k++)
                {
                    // float32 products as vits.py computes them (einsum in float32), then sin/cos.
                    float rw = (float)r * (float)omega[k], cw = (float)c * (float)omega[k];
                    values[row + k] = MathF.Sin(rw);
                    values[row + f + k] = MathF.Cos(rw);
                    values[row + 2 * f + k] = MathF.Sin(cw);
                    values[row + 3 * f + k] = MathF.Cos(cw);
                }
            }
        return values;
    }
}
