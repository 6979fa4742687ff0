// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IPolicyRegistry} from "./IPolicyRegistry.sol";

/**
 * @title PolicyRegistry
 * @notice Blockchain anchor of the policy provenance registry. See {IPolicyRegistry}.
 * @dev The deployer holds `DEFAULT_ADMIN_ROLE`; the admin grants and revokes
 * {REGISTRAR_ROLE}. Batches anchored by a registrar stay valid after its role is revoked.
 */
contract PolicyRegistry is IPolicyRegistry, AccessControl {
    /// @notice Role allowed to anchor batches and to revoke or supersede documents.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @notice Maximum length in bytes of a batch label.
    uint256 public constant MAX_LABEL_LENGTH = 256;

    /// @notice Maximum length in bytes of a revocation reason.
    uint256 public constant MAX_REASON_LENGTH = 1024;

    /// @inheritdoc IPolicyRegistry
    /// @dev Kept in storage: a value the constructor patched into the runtime code would
    /// make the code on chain differ from the artifact's deployed bytecode.
    uint256 public deploymentBlock;

    mapping(bytes32 root => Batch) private _batches;
    // One record per document: the four facts change together and are read together.
    mapping(bytes32 contentDigest => DocumentRecord) private _documents;

    /// @param initialRegistrar Account granted {REGISTRAR_ROLE} at deployment (none if zero).
    constructor(address initialRegistrar) {
        deploymentBlock = block.number;
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        if (initialRegistrar != address(0)) {
            _grantRole(REGISTRAR_ROLE, initialRegistrar);
        }
    }

    /// @inheritdoc IPolicyRegistry
    function version() external pure returns (string memory) {
        return "2.0.0";
    }

    /// @inheritdoc IPolicyRegistry
    function anchorBatch(
        bytes32 root,
        uint32 documentCount,
        string calldata label
    ) external onlyRole(REGISTRAR_ROLE) {
        if (root == bytes32(0)) revert InvalidRoot();
        if (documentCount == 0) revert EmptyBatch();
        if (bytes(label).length > MAX_LABEL_LENGTH) revert LabelTooLong(bytes(label).length, MAX_LABEL_LENGTH);
        Batch storage batch = _batches[root];
        if (batch.timestamp != 0) revert AlreadyAnchored(root);

        batch.registrar = msg.sender;
        batch.timestamp = uint48(block.timestamp);
        batch.blockNumber = uint48(block.number);
        batch.documentCount = documentCount;
        if (bytes(label).length != 0) batch.label = label;
        emit BatchAnchored(root, msg.sender, documentCount, label);
    }

    /// @inheritdoc IPolicyRegistry
    function getBatch(bytes32 root) external view returns (Batch memory) {
        return _batches[root];
    }

    /// @inheritdoc IPolicyRegistry
    function isAnchored(bytes32 root) public view returns (bool) {
        return _batches[root].timestamp != 0;
    }

    /// @inheritdoc IPolicyRegistry
    function documentLeaf(
        bytes32 contentDigest,
        bytes32 paragraphRoot,
        bytes32 metadataDigest
    ) public pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(contentDigest, paragraphRoot, metadataDigest))));
    }

    /// @inheritdoc IPolicyRegistry
    function verifyDocument(
        bytes32 root,
        bytes32[] calldata proof,
        bytes32 contentDigest,
        bytes32 paragraphRoot,
        bytes32 metadataDigest
    ) public view returns (bool) {
        return
            isAnchored(root) &&
            MerkleProof.verifyCalldata(proof, root, documentLeaf(contentDigest, paragraphRoot, metadataDigest));
    }

    /// @inheritdoc IPolicyRegistry
    function revokeDocument(DocumentProof calldata document, string calldata reason) external onlyRole(REGISTRAR_ROLE) {
        uint256 length = bytes(reason).length;
        if (length == 0 || length > MAX_REASON_LENGTH) revert InvalidReason(length, MAX_REASON_LENGTH);
        bytes32 digest = document.contentDigest;
        _requireAnchored(document);
        _requireActive(digest);

        DocumentRecord storage record = _documents[digest];
        record.status = DocumentStatus.Revoked;
        record.revocationReason = reason;
        emit DocumentRevoked(digest, document.root, msg.sender, reason);
    }

    /// @inheritdoc IPolicyRegistry
    function supersedeDocument(
        DocumentProof calldata older,
        DocumentProof calldata newer
    ) external onlyRole(REGISTRAR_ROLE) {
        bytes32 oldDigest = older.contentDigest;
        bytes32 newDigest = newer.contentDigest;
        if (oldDigest == newDigest) revert SelfSupersession(oldDigest);
        _requireAnchored(older);
        _requireAnchored(newer);
        _requireActive(oldDigest);
        DocumentRecord storage newRecord = _documents[newDigest];
        DocumentStatus newStatus = newRecord.status;
        if (newStatus != DocumentStatus.Active) revert ReplacementNotActive(newDigest, newStatus);
        bytes32 previous = newRecord.supersedes;
        if (previous != bytes32(0)) revert AlreadySupersedes(newDigest, previous);

        DocumentRecord storage oldRecord = _documents[oldDigest];
        oldRecord.status = DocumentStatus.Superseded;
        oldRecord.supersededBy = newDigest;
        newRecord.supersedes = oldDigest;
        emit DocumentSuperseded(oldDigest, newDigest, msg.sender);
    }

    /// @inheritdoc IPolicyRegistry
    function getDocument(bytes32 contentDigest) external view returns (DocumentRecord memory) {
        return _documents[contentDigest];
    }

    /// @inheritdoc IPolicyRegistry
    function documentStatus(bytes32 contentDigest) external view returns (DocumentStatus) {
        return _documents[contentDigest].status;
    }

    function _requireAnchored(DocumentProof calldata document) private view {
        if (
            !verifyDocument(
                document.root,
                document.proof,
                document.contentDigest,
                document.paragraphRoot,
                document.metadataDigest
            )
        ) revert DocumentNotAnchored(document.contentDigest);
    }

    function _requireActive(bytes32 contentDigest) private view {
        DocumentRecord storage record = _documents[contentDigest];
        DocumentStatus status = record.status;
        if (status == DocumentStatus.Revoked) revert AlreadyRevoked(contentDigest);
        if (status == DocumentStatus.Superseded) revert AlreadySuperseded(contentDigest, record.supersededBy);
    }
}
