using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>What a context refuses before GSS-API is reached (the handshake itself is tested with the real KDC).</summary>
public sealed class KerberosContextTests
{
    [Fact]
    public async Task MicsAndWraps_BeforeTheHandshakeCompletes_AreRefused()
    {
        using var authenticator = new KerberosAuthenticator();
        using var context = authenticator.CreateAcceptor(HostPrincipal.For("a.rampart.test", "RAMPART.TEST"));

        var mic = await context.ComputeMicAsync(new byte[32]);
        var verify = await context.VerifyMicAsync(new byte[32], new byte[28]);
        var wrap = await context.WrapAsync(new byte[32]);

        Assert.All([mic.Failure, verify.Failure, wrap.Failure], failure => Assert.Equal(GssFailureReason.Unavailable, failure));
        Assert.Equal("the handshake is not complete", mic.Message);
        Assert.False(context.IsComplete);
    }

    [Fact]
    public async Task ADisposedContext_IsUnavailable()
    {
        using var authenticator = new KerberosAuthenticator();
        var context = authenticator.CreateInitiator(HostPrincipal.For("b.rampart.test", "RAMPART.TEST"));

        context.Dispose();
        var step = await context.StepAsync(default);

        Assert.Equal(GssFailureReason.Unavailable, step.Failure);
        Assert.Equal("the context was disposed", step.Message);
    }
}
