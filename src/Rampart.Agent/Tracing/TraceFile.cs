using System.Text;
using Rampart.Store;

namespace Rampart.Agent.Tracing;

/// <summary>
/// One size-limited trace file. When the agent starts, the previous run's file is kept as <c>NAME.last</c> and a
/// new one begins (as Oakley.log and ipsecpa.log did); when the file reaches <see cref="MaximumBytes"/> it is moved to
/// <c>NAME.bak</c> and a new one begins, so a trace never holds more than twice the limit on disk.
/// <see cref="WriteLine"/> only queues the line: a background writer appends what is queued and flushes it to the file
/// at once, so the IKE loop makes no system call per trace line. <see cref="Flush"/> writes what is queued now;
/// <see cref="Dispose"/> and switching the trace off flush first, so only a crash can lose the last lines.
/// </summary>
public sealed class TraceFile : IDisposable
{
    /// <summary>Lines waiting for the disk at most; past it new lines are dropped and counted (<see cref="DroppedLines"/>).</summary>
    internal const int QueueCapacity = 16_384;

    private readonly Lock _gate = new();
    private readonly BatchingWriter<string> _writer;
    private volatile bool _enabled;
    private FileStream? _stream;

    public TraceFile(string path, long maximumBytes, bool enabled)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumBytes, 1024);
        Path = path;
        MaximumBytes = maximumBytes;
        foreach (var file in new[] { path, path + ".last", path + ".bak" })
        {
            if (FileStatus.Of(file) is { IsSymbolicLink: true })
            {
                throw new IOException($"refusing trace file {file}: it is a symbolic link (to {new FileInfo(file).LinkTarget}); remove it");
            }
        }

        if (File.Exists(path))
        {
            File.Move(path, path + ".last", overwrite: true);
        }

        _enabled = enabled;
        _writer = new BatchingWriter<string>("Trace writer", _gate, Append, QueueCapacity);
    }

    public string Path { get; }

    public long MaximumBytes { get; }

    /// <summary>Lines dropped since the start because <see cref="QueueCapacity"/> were waiting for the disk.</summary>
    public long DroppedLines => _writer.Dropped;

    public bool Enabled
    {
        get => _enabled;
        set
        {
            lock (_gate)
            {
                if (!value)
                {
                    // Lines queued while the trace was on still belong in it.
                    Flush();
                    _stream?.Dispose();
                    _stream = null;
                }

                _enabled = value;
            }
        }
    }

    public void WriteLine(string line)
    {
        if (_enabled)
        {
            _writer.TryAdd(line);
        }
    }

    /// <summary>Writes every queued line to the file now (the background writer does this on its own).</summary>
    public void Flush() => _writer.Flush();

    public void Dispose()
    {
        if (_writer.IsDisposed)
        {
            return;
        }

        _writer.Dispose();
        lock (_gate)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }

    // Under _gate (the writer commits under it).
    private void Append(List<string> lines)
    {
        if (!_enabled)
        {
            return;
        }

        try
        {
            foreach (var line in lines)
            {
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                _stream ??= Open();
                if (_stream.Length > 0 && _stream.Length + bytes.Length > MaximumBytes)
                {
                    _stream.Dispose();
                    _stream = null;

                    // rename(2) replaces a link at NAME.bak, it never writes through one.
                    File.Move(Path, Path + ".bak", overwrite: true);
                    _stream = Open();
                }

                _stream.Write(bytes);
            }

            _stream?.Flush();
        }
        catch (IOException)
        {
            // The file cannot be written (a link was planted, the disk is full): the trace turns off rather than
            // failing the writer thread; switching it on again retries.
            _stream?.Dispose();
            _stream = null;
            _enabled = false;
        }
    }

    // O_NOFOLLOW: a link planted at the trace's path is refused, never written through.
    private FileStream Open() => NoFollowFile.OpenAppend(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
}
