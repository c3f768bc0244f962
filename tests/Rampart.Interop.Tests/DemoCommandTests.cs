using System.Text.RegularExpressions;
using Rampart.Interop.Tests.Harness;
using Rampart.Lab;

namespace Rampart.Interop.Tests;

/// <summary><c>rampart demo</c> end to end: it must secure the pings, say so, exit 0 and leave nothing behind.</summary>
[Collection(StrongSwanCollection.Name)]
public sealed partial class DemoCommandTests
{
    [Fact]
    public void Demo_SecuresThePings_AndCleansUp()
    {
        StrongSwanPrerequisites.Require();
        var demo = Tool.Run(["dotnet", Path.Combine(AppContext.BaseDirectory, "rampart.dll"), "demo"], timeout: TimeSpan.FromMinutes(5));

        Assert.True(demo.Succeeded, $"rampart demo exited {demo.ExitCode}:\n{demo.Output}\n{demo.Error}");
        Assert.Contains("Negotiating IP Security.", demo.Output + HeldReply(demo.Output), StringComparison.Ordinal);
        Assert.Contains("0 clear ICMP echo", demo.Output, StringComparison.Ordinal);
        Assert.Contains(" AH SHA-256 ", demo.Output, StringComparison.Ordinal);
        Assert.Contains("IKE security association established", demo.Output, StringComparison.Ordinal);
        Assert.Contains("Result: every ping between the hosts was secured by IPsec.", demo.Output, StringComparison.Ordinal);
        var namespaces = DemoNamespace().Matches(demo.Output).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(2, namespaces.Count);
        Assert.All(namespaces, name => Assert.False(File.Exists("/var/run/netns/" + name), name + " survived the demo"));
    }

    /// <summary>A first request held until the SA is up is answered late instead of lost; either shows the negotiation.</summary>
    private static string HeldReply(string output) =>
        output.Contains("(held while IKE negotiated)", StringComparison.Ordinal) ? "Negotiating IP Security." : "";

    [GeneratedRegex(@"rampart-demo-\d+-[ab]")]
    private static partial Regex DemoNamespace();
}
