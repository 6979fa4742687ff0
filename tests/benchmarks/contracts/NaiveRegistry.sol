// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title NaiveRegistry
 * @notice Benchmark baseline, never deployed for real: the per-document design that
 * batch anchoring replaces. Every document costs one transaction that stores its own
 * record, write-once, and emits an event, as a per-document registry would.
 * @dev Deliberately minimal (no access control), so its gas is a lower bound for the
 * naive design and the measured ratio is conservative.
 */
contract NaiveRegistry {
    /// @notice What the registry keeps per document; registrar and timestamp share a slot.
    struct Record {
        address registrar;
        uint64 timestamp;
        bytes32 paragraphRoot;
        bytes32 metadataDigest;
    }

    mapping(bytes32 contentDigest => Record) private _records;

    /// @notice A document was registered by `registrar`.
    event DocumentRegistered(
        bytes32 indexed contentDigest,
        address indexed registrar,
        bytes32 paragraphRoot,
        bytes32 metadataDigest
    );

    /// @notice `contentDigest` is already registered; records are write-once.
    error AlreadyRegistered(bytes32 contentDigest);

    /// @notice Register one document, identified by its content digest.
    function register(bytes32 contentDigest, bytes32 paragraphRoot, bytes32 metadataDigest) external {
        Record storage record = _records[contentDigest];
        if (record.timestamp != 0) revert AlreadyRegistered(contentDigest);
        record.registrar = msg.sender;
        record.timestamp = uint64(block.timestamp);
        record.paragraphRoot = paragraphRoot;
        record.metadataDigest = metadataDigest;
        emit DocumentRegistered(contentDigest, msg.sender, paragraphRoot, metadataDigest);
    }

    /// @notice The record of `contentDigest`; all zero if it was never registered.
    function getRecord(bytes32 contentDigest) external view returns (Record memory) {
        return _records[contentDigest];
    }
}
