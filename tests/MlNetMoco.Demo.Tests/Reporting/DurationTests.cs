using MlNetMoco.Demo.Reporting;

namespace MlNetMoco.Demo.Tests.Reporting;

public class DurationTests
{
    [Theory]
    [InlineData(0, "00:00")]
    [InlineData(38 * 60, "38:00")]
    [InlineData(59 * 60 + 59, "59:59")]
    [InlineData(3600, "1:00:00")]
    [InlineData(85 * 60 + 37, "1:25:37")] // the full-data main job: mm:ss printed it as 25:37
    [InlineData(26 * 3600 + 5, "26:00:05")]
    public void Hours_are_kept(int seconds, string expected) => Assert.Equal(expected, Duration.Format(TimeSpan.FromSeconds(seconds)));
}
