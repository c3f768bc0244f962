using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>
/// GSS-API between two hosts of a real MIT realm (<see cref="KerberosLab"/>): each host is a process of its own in its
/// own namespace, joined with <see cref="RealmMembershipStore"/>, its Kerberos environment set by
/// <see cref="KerberosEnvironment"/>, every call on <see cref="KerberosAuthenticator"/>'s workers. Needs root and the
/// krb5 packages; fails without them.
/// </summary>
public sealed class KerberosKdcTests : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(3);
    private readonly KerberosLab _lab = new();

    [Fact]
    public async Task Handshake_BetweenTwoKeytabs_IsMutual_AndMicsBindTheIkeHash()
    {
        var a = _lab.Start(_lab.Pair.A, _lab.Join(KerberosLab.HostA, _lab.Realm.ExportKeytab(KerberosLab.HostA)));
        var b = _lab.Start(_lab.Pair.B, _lab.Join(KerberosLab.HostB, _lab.Realm.ExportKeytab(KerberosLab.HostB), "192.0.2.1=a.rampart.test"));

        await a.OkAsync("initiator", "mm", _lab.Realm.Principal(KerberosLab.HostB));
        Assert.Equal("host/a.rampart.test@RAMPART.TEST", await b.OkAsync("acceptor-for", "mm", "192.0.2.1"));
        var (first, last) = await Handshake(a, b, "mm");
        Assert.InRange(first.Length, 400, 4000);
        Assert.NotNull(last);

        var hash = SHA256.HashData(Encoding.ASCII.GetBytes("HASH_I over g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b"));
        var micA = await a.OkAsync("mic", "mm", B64(hash));
        Assert.Equal("verified", await b.OkAsync("verify", "mm", B64(hash), micA));
        var micB = await b.OkAsync("mic", "mm", B64(hash));
        Assert.Equal("verified", await a.OkAsync("verify", "mm", B64(hash), micB));
        Assert.NotEqual(micA, micB);

        // racoon's binding: HASH_I wrapped (encrypted and sealed) by the initiator, unwrapped by the responder.
        var wrapped = await a.OkAsync("wrap", "mm", B64(hash));
        Assert.NotEqual(B64(hash), wrapped);
        Assert.DoesNotContain(Convert.ToHexString(hash), Convert.ToHexString(Convert.FromBase64String(wrapped)), StringComparison.Ordinal);
        Assert.Equal(B64(hash), await b.OkAsync("unwrap", "mm", wrapped));

        // A MIC over another exchange's hash is refused, and the refusal retires the context.
        var other = SHA256.HashData(Encoding.ASCII.GetBytes("another exchange"));
        Assert.StartsWith("fail BadIntegrityCheck", await b.SendAsync("verify", "mm", B64(other), micA), StringComparison.Ordinal);
        Assert.StartsWith("fail Unavailable", await b.SendAsync("verify", "mm", B64(hash), micA), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_WithAStaleKeytab_FailsWithTheReason()
    {
        var a = _lab.Start(_lab.Pair.A, _lab.Join(KerberosLab.HostA, _lab.Realm.ExportKeytab(KerberosLab.HostA)));
        var b = _lab.Start(_lab.Pair.B, _lab.Join(KerberosLab.HostB, _lab.Realm.ExportKeytab(KerberosLab.HostB)));
        _lab.Realm.ChangeKey(KerberosLab.HostB);

        await a.OkAsync("initiator", "mm", _lab.Realm.Principal(KerberosLab.HostB));
        await b.OkAsync("acceptor", "mm", _lab.Realm.Principal(KerberosLab.HostA));
        var token = (await a.OkAsync("step", "mm", "-")).Split(' ')[0];
        var answer = await b.SendAsync("step", "mm", token);

        Assert.StartsWith("fail AuthenticationFailed ", answer, StringComparison.Ordinal);
        Assert.Contains("the peer's ticket for host/b.rampart.test@RAMPART.TEST is sealed with key version 3, but ", answer, StringComparison.Ordinal);
        Assert.EndsWith("holds version 2: the keytab is out of date (export a new one and join again)", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acceptor_RefusesAPeerThatIsNotTheExpectedPrincipal()
    {
        var a = _lab.Start(_lab.Pair.A, _lab.Join(KerberosLab.HostA, _lab.Realm.ExportKeytab(KerberosLab.HostA)));
        var b = _lab.Start(_lab.Pair.B, _lab.Join(KerberosLab.HostB, _lab.Realm.ExportKeytab(KerberosLab.HostB)));

        await a.OkAsync("initiator", "mm", _lab.Realm.Principal(KerberosLab.HostB));
        await b.OkAsync("acceptor", "mm", _lab.Realm.Principal("c.rampart.test"));
        var token = (await a.OkAsync("step", "mm", "-")).Split(' ')[0];
        var answer = await b.SendAsync("step", "mm", token);

        Assert.Equal("fail UnexpectedPeer the peer authenticated as host/a.rampart.test@RAMPART.TEST, expected host/c.rampart.test@RAMPART.TEST", answer);
    }

    [Fact]
    public async Task KdcUnreachable_FailsWithinTheTimeout_WhileAnotherRequestIsServed()
    {
        var timeout = KerberosAuthenticatorOptions.DefaultTimeout;
        var a = _lab.Start(_lab.Pair.A, _lab.Join(KerberosLab.HostA, _lab.Realm.ExportKeytab(KerberosLab.HostA)), timeout);
        var b = _lab.Start(_lab.Pair.B, _lab.Join(KerberosLab.HostB, _lab.Realm.ExportKeytab(KerberosLab.HostB)), timeout);

        // B gets its ticket to A while the KDC answers; then the KDC goes silent.
        await b.OkAsync("initiator", "in", _lab.Realm.Principal(KerberosLab.HostA));
        var fromB = (await b.OkAsync("step", "in", "-")).Split(' ')[0];
        _lab.Kdc.DropTraffic();

        // A has no ticket yet: asking for one stalls on the KDC.
        await a.OkAsync("initiator", "out", _lab.Realm.Principal(KerberosLab.HostB));
        var clock = Stopwatch.StartNew();
        var stalled = a.SendAsync("step", "out", "-");

        // Meanwhile A accepts B's handshake, which needs no KDC, on another worker.
        await a.OkAsync("acceptor", "in", _lab.Realm.Principal(KerberosLab.HostB));
        var served = await a.SendAsync("step", "in", fromB);
        Assert.StartsWith("ok ", served, StringComparison.Ordinal);
        Assert.EndsWith(" complete", served, StringComparison.Ordinal);
        Assert.False(stalled.IsCompleted, "the stalled request should still be waiting for the KDC");

        var failure = await stalled;
        var elapsed = clock.Elapsed;
        Assert.StartsWith("fail Timeout ", failure, StringComparison.Ordinal);
        Assert.True(elapsed < timeout + Margin, $"the failure came after {elapsed.TotalSeconds:0.0} s");
    }

    public void Dispose() => _lab.Dispose();

    /// <summary>Runs the two legs; returns the initiator's token and the acceptor's answer.</summary>
    private static async Task<(byte[] First, byte[]? Last)> Handshake(KerberosPeerProcess initiator, KerberosPeerProcess acceptor, string context)
    {
        var first = (await initiator.OkAsync("step", context, "-")).Split(' ');
        Assert.Equal("continue", first[1]);
        var answer = (await acceptor.OkAsync("step", context, first[0])).Split(' ');
        Assert.Equal("complete", answer[1]);
        var done = (await initiator.OkAsync("step", context, answer[0])).Split(' ');
        Assert.Equal("complete", done[1]);
        return (Convert.FromBase64String(first[0]), answer[0] == "-" ? null : Convert.FromBase64String(answer[0]));
    }

    private static string B64(byte[] data) => Convert.ToBase64String(data);
}
