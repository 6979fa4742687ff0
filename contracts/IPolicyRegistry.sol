// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IPolicyRegistry
 * @notice Anchors Merkle roots of batches of policy documents and records the
 * revocation and supersession of individual documents.
 *
 * A document is a leaf of a batch tree built exactly like the StandardMerkleTree
 * of the npm package `openzeppelin/merkle-tree`, over the leaf encoding
 * `["bytes32", "bytes32", "bytes32"]` with the values
 * `(contentDigest, paragraphRoot, metadataDigest)`:
 *
 * - `contentDigest`: SHA-256 of the document's exact bytes (its identity);
 * - `paragraphRoot`: StandardMerkleTree root over its normalized paragraphs
 *   (zero for binary documents);
 * - `metadataDigest`: SHA-256 of its RFC 8785 canonical metadata JSON.
 *
 * Batches are write-once. A document's record is keyed by its content digest:
 * every digest reads as `Active` until a registrar revokes or supersedes it, so
 * callers first prove inclusion with {verifyDocument} and then read its record
 * with {getDocument} (one call: status, reason and both supersession links).
 * Events start at {deploymentBlock}.
 */
interface IPolicyRegistry {
    /// @notice Lifecycle of a document, keyed by its content digest.
    enum DocumentStatus {
        Active,
        Revoked,
        Superseded
    }

    /**
     * @notice What the registry stores for an anchored batch root.
     * @dev `registrar`, `timestamp` and `blockNumber` share one storage slot.
     * An unknown root reads as the zero record (`timestamp == 0`).
     */
    struct Batch {
        address registrar;
        uint48 timestamp;
        uint48 blockNumber;
        uint32 documentCount;
        string label;
    }

    /**
     * @notice What the registry stores for a document, keyed by its content digest.
     * @dev The fields change only forward and together, in one transaction. A digest
     * never revoked or superseded reads as the zero record (`Active`, empty reason,
     * zero links); the record alone does not say that the document was anchored.
     * @param status `Active` unless revoked or superseded.
     * @param revocationReason The reason given when it was revoked (empty if it was not).
     * @param supersededBy The document that superseded it (zero if none).
     * @param supersedes The document it superseded (zero if none).
     */
    struct DocumentRecord {
        DocumentStatus status;
        string revocationReason;
        bytes32 supersededBy;
        bytes32 supersedes;
    }

    /// @notice A document's leaf values and the proof of its inclusion in an anchored batch.
    struct DocumentProof {
        bytes32 root;
        bytes32[] proof;
        bytes32 contentDigest;
        bytes32 paragraphRoot;
        bytes32 metadataDigest;
    }

    /// @notice Emitted when `registrar` anchors the batch `root` of `documentCount` documents.
    event BatchAnchored(bytes32 indexed root, address indexed registrar, uint32 documentCount, string label);

    /// @notice Emitted when `registrar` revokes the document `contentDigest`, anchored in batch `root`.
    event DocumentRevoked(bytes32 indexed contentDigest, bytes32 indexed root, address indexed registrar, string reason);

    /// @notice Emitted when `registrar` records that `newContentDigest` supersedes `oldContentDigest`.
    event DocumentSuperseded(
        bytes32 indexed oldContentDigest,
        bytes32 indexed newContentDigest,
        address indexed registrar
    );

    /// @dev The root is zero.
    error InvalidRoot();

    /// @dev A batch must hold at least one document.
    error EmptyBatch();

    /// @dev The label is longer than {MAX_LABEL_LENGTH} bytes.
    error LabelTooLong(uint256 length, uint256 maxLength);

    /// @dev The revocation reason is empty or longer than {MAX_REASON_LENGTH} bytes.
    error InvalidReason(uint256 length, uint256 maxLength);

    /// @dev `root` is already anchored (batches are write-once).
    error AlreadyAnchored(bytes32 root);

    /// @dev The proof does not show `contentDigest` included in an anchored batch.
    error DocumentNotAnchored(bytes32 contentDigest);

    /// @dev `contentDigest` is already revoked.
    error AlreadyRevoked(bytes32 contentDigest);

    /// @dev `contentDigest` is already superseded by `supersededBy`.
    error AlreadySuperseded(bytes32 contentDigest, bytes32 supersededBy);

    /// @dev `newContentDigest` already supersedes `previous`; a document supersedes at most one other.
    error AlreadySupersedes(bytes32 newContentDigest, bytes32 previous);

    /// @dev A document cannot supersede itself.
    error SelfSupersession(bytes32 contentDigest);

    /// @dev The replacement document is not active (revoked or superseded itself).
    error ReplacementNotActive(bytes32 contentDigest, DocumentStatus status);

    /// @notice Semantic version of this contract.
    function version() external pure returns (string memory);

    /// @notice The number of the block this contract was created in: no event of it is older.
    function deploymentBlock() external view returns (uint256);

    /**
     * @notice Anchors a batch root. Only callable by a registrar.
     * @param root StandardMerkleTree root of the batch's document leaves.
     * @param documentCount Number of leaves in the batch (at least one).
     * @param label Short URI or label for the batch, at most {MAX_LABEL_LENGTH} bytes.
     *
     * Emits {BatchAnchored}. Reverts with {AlreadyAnchored} if the root was anchored before.
     */
    function anchorBatch(bytes32 root, uint32 documentCount, string calldata label) external;

    /// @notice The record of batch `root`; the zero record if it was never anchored.
    function getBatch(bytes32 root) external view returns (Batch memory);

    /// @notice Whether `root` has been anchored.
    function isAnchored(bytes32 root) external view returns (bool);

    /**
     * @notice The StandardMerkleTree leaf of a document:
     * `keccak256(bytes.concat(keccak256(abi.encode(contentDigest, paragraphRoot, metadataDigest))))`.
     */
    function documentLeaf(
        bytes32 contentDigest,
        bytes32 paragraphRoot,
        bytes32 metadataDigest
    ) external pure returns (bytes32);

    /// @notice Whether the document is included in the anchored batch `root`; false for an unanchored root.
    function verifyDocument(
        bytes32 root,
        bytes32[] calldata proof,
        bytes32 contentDigest,
        bytes32 paragraphRoot,
        bytes32 metadataDigest
    ) external view returns (bool);

    /**
     * @notice Revokes an anchored document. Only callable by a registrar.
     * @param document The document's leaf values and inclusion proof.
     * @param reason Why, between 1 and {MAX_REASON_LENGTH} bytes.
     *
     * Emits {DocumentRevoked}.
     */
    function revokeDocument(DocumentProof calldata document, string calldata reason) external;

    /**
     * @notice Records that `newer` supersedes `older`. Only callable by a registrar.
     * Both must be anchored; `older` must be active and `newer` must be active and
     * not already supersede another document.
     *
     * Emits {DocumentSuperseded}.
     */
    function supersedeDocument(DocumentProof calldata older, DocumentProof calldata newer) external;

    /// @notice The whole record of the document `contentDigest`: its status, revocation
    /// reason and supersession links, in one call.
    function getDocument(bytes32 contentDigest) external view returns (DocumentRecord memory);

    /**
     * @notice Status of the document `contentDigest` (`Active` unless revoked or superseded).
     * @dev {getDocument}'s first field alone, as one word: for other contracts that only
     * need to know whether a document is still active.
     */
    function documentStatus(bytes32 contentDigest) external view returns (DocumentStatus);
}
