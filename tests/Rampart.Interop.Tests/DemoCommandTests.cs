using System.Text.RegularExpressions;
using Rampart.Interop.Tests.Harness;
using Rampart.Lab;

namespace Rampart.Interop.Tests;

/// <summary>
/// <c>rampart demo</c> end to end: it must secure the pings in its three parts (pre-shared key, built-ins, certificates),
/// refuse the revoked certificate, say so, exit 0 and leave nothing behind.
/// </summary>
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
        AssertCertificatePart(demo.Output);
        Assert.Contains("Result: every ping between the hosts was secured by IPsec, and the revoked certificate was refused.", demo.Output, StringComparison.Ordinal);
        var namespaces = DemoNamespace().Matches(demo.Output).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(2, namespaces.Count);
        Assert.All(namespaces, name => Assert.False(File.Exists("/var/run/netns/" + name), name + " survived the demo"));
    }

    /// <summary>Part 3: ESP negotiated with the test CA's certificates, B's identity shown, then B's revoked certificate refused.</summary>
    private static void AssertCertificatePart(string output)
    {
        var part = output[output.IndexOf("3. The Partner policy with certificates", StringComparison.Ordinal)..];
        Assert.Matches(@"wire: [1-9]\d* ESP, 0 AH, 0 clear ICMP echo, [1-9]\d* IKE -> secured with certificates", part);
        Assert.Matches(@"192\.0\.2\.2:500 +CN=b\.rampart\.demo, O=Rampart +(Certificate \()?ECDSA-256 signature", part);
        Assert.Contains("Certificate based Identity: CN=b.rampart.demo, O=Rampart", part, StringComparison.Ordinal);
        var revocation = part[part.IndexOf("B's certificate is revoked", StringComparison.Ordinal)..];
        Assert.DoesNotContain("Reply from", revocation, StringComparison.Ordinal);
        Assert.Contains("the HTTP server served ca.crl to A's agent", revocation, StringComparison.Ordinal);
        Assert.Matches(@"Event 544  failure .*\n.*certificate of CN=b\.rampart\.demo, O=Rampart rejected: revoked: .* according to the CRL at http://198\.51\.100\.80:8080/ca\.crl", revocation);
        Assert.Contains("-> refused: A will not negotiate with a revoked certificate (event 544)", revocation, StringComparison.Ordinal);
    }

    /// <summary>A first request held until the SA is up is answered late instead of lost; either shows the negotiation.</summary>
    private static string HeldReply(string output) =>
        output.Contains("(held while IKE negotiated)", StringComparison.Ordinal) ? "Negotiating IP Security." : "";

    [GeneratedRegex(@"rampart-demo-\d+-[ab]")]
    private static partial Regex DemoNamespace();
}
