using Rampart.Credentials.Certificates.Interop;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// Writes a file whole or not at all: a new temporary file (O_EXCL, so never through a planted link) with its final
/// mode from the start, flushed to disk, renamed over the old one (rename replaces a link, never follows it), and the
/// directory flushed so the rename itself survives a power cut.
/// </summary>
public static class AtomicFile
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, ReadOnlySpan<byte> contents, UnixFileMode mode)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
            }))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            DirectorySync.Flush(directory);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Removes <paramref name="path"/> (a missing file is fine) and flushes the directory.</summary>
    public static void Delete(string path)
    {
        File.Delete(path);
        DirectorySync.Flush(Path.GetDirectoryName(path)!);
    }
}
