using System.Runtime.InteropServices;

namespace Rampart.Agent.Interop;

/// <summary>The libc calls the control socket's access rules need: looking up a group and handing a file to it.</summary>
internal static unsafe partial class Libc
{
    /// <summary>struct group* or null; read once at start-up (the result lives in a static buffer).</summary>
    [LibraryImport("libc", EntryPoint = "getgrnam", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetGroupByName(string name);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LinkChangeOwner(string path, uint owner, uint group);

    /// <summary>struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }: the id after two pointers.</summary>
    public static uint GroupIdOf(nint group) => *(uint*)(group + (2 * IntPtr.Size));
}
