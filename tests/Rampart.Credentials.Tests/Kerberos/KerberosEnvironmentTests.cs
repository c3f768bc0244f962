using Rampart.Credentials.Kerberos;

namespace Rampart.Credentials.Tests.Kerberos;

/// <summary>What the native library sees of the environment (measured: .NET's own setter does not reach getenv).</summary>
public sealed class KerberosEnvironmentTests
{
    [Fact]
    public void DotNetsSetter_DoesNotReachNativeCode()
    {
        var name = "RAMPART_TEST_" + Guid.NewGuid().ToString("N");

        Environment.SetEnvironmentVariable(name, "managed");

        Assert.Equal("managed", Environment.GetEnvironmentVariable(name));
        Assert.Null(KerberosEnvironment.NativeValue(name));
    }

    [Fact]
    public void Apply_SetsTheNativeVariables_ForTheHostsFiles_OncePerProcess()
    {
        var files = new RealmFiles("/var/lib/rampart-env-test");

        KerberosEnvironment.Apply(files);
        KerberosEnvironment.Apply(files);

        Assert.Equal("/var/lib/rampart-env-test/kerberos/krb5.conf", KerberosEnvironment.NativeValue("KRB5_CONFIG"));
        Assert.Equal("FILE:/var/lib/rampart-env-test/kerberos/host.keytab", KerberosEnvironment.NativeValue("KRB5_KTNAME"));
        Assert.Equal("FILE:/var/lib/rampart-env-test/kerberos/host.keytab", KerberosEnvironment.NativeValue("KRB5_CLIENT_KTNAME"));
        Assert.Equal("MEMORY:rampart", KerberosEnvironment.NativeValue("KRB5CCNAME"));
        Assert.Equal("/var/lib/rampart-env-test/kerberos/rcache", KerberosEnvironment.NativeValue("KRB5RCACHEDIR"));
        Assert.Throws<InvalidOperationException>(() => KerberosEnvironment.Apply(new RealmFiles("/var/lib/other")));
    }
}
