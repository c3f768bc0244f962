using System.Runtime.InteropServices;
using Rampart.Credentials.Interop;

namespace Rampart.Credentials.Kerberos;

/// <summary>
/// Points the native Kerberos library (libgssapi_krb5, which NegotiateAuthentication loads) at a member host's private
/// files. MIT krb5 reads KRB5_CONFIG, KRB5_KTNAME, KRB5_CLIENT_KTNAME, KRB5CCNAME and KRB5RCACHEDIR with getenv, so
/// they must be in the C environment (libc setenv; .NET's own copy is not seen) before the first GSS call of the
/// process, and they are per process: one realm membership per process. The credential cache is in memory
/// (<c>MEMORY:</c>): tickets never touch the disk and a restarted agent asks the KDC again.
/// </summary>
public static class KerberosEnvironment
{
    public const string ConfigVariable = "KRB5_CONFIG";
    public const string KeytabVariable = "KRB5_KTNAME";
    public const string ClientKeytabVariable = "KRB5_CLIENT_KTNAME";
    public const string CredentialCacheVariable = "KRB5CCNAME";
    public const string ReplayCacheVariable = "KRB5RCACHEDIR";
    public const string CredentialCache = "MEMORY:rampart";

    private static readonly Lock Gate = new();
    private static IReadOnlyDictionary<string, string>? _applied;

    /// <summary>The variables for a member host's files.</summary>
    public static IReadOnlyDictionary<string, string> VariablesFor(RealmFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ConfigVariable] = files.Configuration,
            [KeytabVariable] = "FILE:" + files.Keytab,
            [ClientKeytabVariable] = "FILE:" + files.Keytab,
            [CredentialCacheVariable] = CredentialCache,
            [ReplayCacheVariable] = files.ReplayCache,
        };
    }

    /// <summary>
    /// Sets the variables in the C environment (and .NET's, for child processes). Call once, before the first GSS call;
    /// applying different files later throws, because the library has already read the first ones.
    /// </summary>
    public static void Apply(RealmFiles files)
    {
        var variables = VariablesFor(files);
        lock (Gate)
        {
            if (_applied is not null)
            {
                if (!_applied.SequenceEqual(variables))
                {
                    throw new InvalidOperationException("the Kerberos environment is per process and was already set to other files");
                }

                return;
            }

            foreach (var (name, value) in variables)
            {
                if (Libc.SetEnv(name, value, 1) != 0)
                {
                    throw new IOException($"setenv({name}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }

                Environment.SetEnvironmentVariable(name, value);
            }

            _applied = variables;
        }
    }

    /// <summary>The value native code sees for <paramref name="name"/> (getenv), null when unset.</summary>
    public static string? NativeValue(string name) => Marshal.PtrToStringUTF8(Libc.GetEnv(name));
}
