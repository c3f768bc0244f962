using System.Runtime.InteropServices;

namespace Rampart.Credentials.Interop;

/// <summary>
/// The process environment as native code sees it. .NET keeps its own copy: Environment.SetEnvironmentVariable never
/// reaches the environ that libkrb5 reads with getenv, so the Kerberos variables are set here.
/// </summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetEnv(string name);
}
